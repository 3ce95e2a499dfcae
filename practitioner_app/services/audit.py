"""Reading and checking the audit trail, anchoring it, and logging events the windows
and commands witness (locks, prints, files written). Changes to records log themselves
in their own transaction.

Appends from any number of windows and commands are serialised where the entry is
added (persistence/audit_lock.py), so they always leave one unbroken chain.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib import import_module
from pathlib import Path

from ..domain.audit import Action, Anchor, AuditAnchor, AuditEntry, anchor_problem
from ..domain.audit_listing import PAGE_SIZE, AuditCursor, AuditFilter, AuditPage, AuditRow
from ..domain.audit_text import all_labels, label
from ..domain.audit_walk import ChainWalk
from ..domain.clinic import ClinicProfile
from ..domain.errors import DomainError, NotFound
from ..domain.location import Location
from .audit_verification import SLICE, ChainState, CheckpointFile, verify_in_steps
from .base import Service
from .files import StorageError, write_file

#: The program's name in the check command an anchor sheet prints.
PROGRAM = "practitioner-app"

#: Text the stored details of every entry under these labels hold (a top-level key of
#: the canonical JSON, as `audit_text.label` reads it), so the database narrows a
#: listing by such a label itself; `label` still decides each entry.
_LABEL_TEXT = {
    "Course saved": '"course":',
    "Clinic details changed": '"settings":',
    "Idle lock changed": '"field":"idle_minutes"',
    "Lot recall": '"purpose":"lot recall"',
}


class AuditService(Service):
    def log(self, action: str, *, patient_id: int | None = None,
            session_id: int | None = None, **details) -> AuditEntry:
        """Record `action` now, committed; returns the entry."""
        with self._uow() as uow:
            entry = uow.audit.append(self._clock(), self._actor.name, action,
                                     patient_id=patient_id, session_id=session_id,
                                     details=details or None)
            uow.commit()
        return entry

    # -- files that leave the app ------------------------------------------------------------
    def write_out(self, target: Path, data: bytes, action: str, *,
                  patient_id: int | None = None, session_id: int | None = None,
                  **details) -> Path:
        """Record that `data` leaves the app as the file `target`, then write it (whole or
        not at all). The entry is committed first, so no file is written that the trail
        does not record; if the write then fails, a `not written` entry naming the first
        one says so and the StorageError is raised. Returns the file written."""
        target = Path(target).absolute()
        entry = self.log(action, patient_id=patient_id, session_id=session_id,
                         path=str(target), **details)
        try:
            return write_file(target, data)
        except StorageError as error:
            self.not_written(entry, target, error, patient_id=patient_id,
                             session_id=session_id)
            raise

    def not_written(self, entry: AuditEntry | None, target: Path | None, error: Exception,
                    *, patient_id: int | None = None,
                    session_id: int | None = None) -> AuditEntry:
        """Record that the file `entry` announced (at `target`) was not written, and why."""
        return self.log(Action.NOT_WRITTEN, patient_id=patient_id, session_id=session_id,
                        entry=entry.id if entry else None,
                        path=str(Path(target).absolute()) if target else None,
                        reason=str(error) or type(error).__name__)

    # -- checking ----------------------------------------------------------------------------
    def verify(self, expect: Anchor | None = None) -> tuple[int, str | None]:
        """(entries checked, None) when the chain holds (and still holds the entry
        `expect` anchors, when given), else the first thing that does not, described for
        a person. Every entry is verified, a slice at a time (memory stays flat whatever
        the size of the trail). Reads only: checking the trail never adds to it."""
        with self._uow() as uow:
            # The counter first: an entry appended between the two reads then only adds
            # to the entries read, instead of looking like one removed from the end.
            last = uow.audit.last_issued_id()
            newest = uow.audit.newest_id()
        walk, anchored = ChainWalk(), None
        while walk.problem is None and walk.point.entry_id < newest:
            with self._uow() as uow:
                entries = uow.audit.chain_slice(walk.point.entry_id, newest, SLICE)
            if not entries:
                break
            walk.feed(entries)
            if expect is not None and anchored is None:
                anchored = next((e for e in entries if e.hash == expect.hash
                                 and expect.entry_id in (None, e.id)), None)
        problem = walk.finish(max(last, newest))
        if problem is None and expect is not None:
            problem = anchor_problem(self._anchor_context(expect, anchored, newest), expect)
        return walk.checked, problem

    def _anchor_context(self, expect: Anchor, anchored: AuditEntry | None,
                        newest: int) -> list[AuditEntry]:
        """What `anchor_problem` needs to judge `expect` without the whole trail: the
        entry found with the anchored hash, else the entry with the anchored number, else
        the newest entry (to tell a trail cut short from an entry missing)."""
        if anchored is not None:
            return [anchored]
        if expect.entry_id is None:
            return []
        with self._uow() as uow:
            found = uow.audit.entry(expect.entry_id) or (
                uow.audit.entry(newest) if newest else None)
        return [found] if found else []

    def verify_in_steps(self, location: Location,
                        progress: Callable[[ChainState], None] = lambda _s: None,
                        cancelled: Callable[[], bool] = lambda: False) -> ChainState:
        """Verify the chain from the last entry this computer verified (its checkpoint,
        if that entry still has the hash it had) to the newest, a slice at a time: safe to
        run on a worker thread; `progress` hears each step there. See
        audit_verification.py for where the checkpoint lives and why. Reads only."""
        return verify_in_steps(self._uow, CheckpointFile(location), self._clock,
                               progress, cancelled)

    def cursor_before(self, entry_id: int) -> AuditCursor:
        """Where a listing of the entries older than entry `entry_id` starts. Raises
        NotFound when the trail holds no such entry."""
        with self._uow() as uow:
            found = uow.audit.entry(entry_id)
        if found is None:
            raise NotFound(f"The audit trail holds no entry {entry_id}.")
        return AuditCursor(found.at, found.id)

    def page(self, wanted: AuditFilter = AuditFilter(), after: AuditCursor | None = None,
             limit: int = PAGE_SIZE) -> AuditPage:
        """Up to `limit` entries matching `wanted`, newest first (by time recorded, then
        number), recorded before `after` (administrators only). Reads only what the page
        shows, through the filter's index; `AuditPage.after` continues where it ends."""
        self._require_admin()
        actions = contains = None
        if wanted.label:
            try:
                actions = all_labels()[wanted.label]
            except KeyError:
                raise DomainError(f"No audit entry is labelled {wanted.label!r}.") from None
            contains = _LABEL_TEXT.get(wanted.label)
        rows: list[AuditRow] = []
        with self._uow() as uow:
            while True:
                asked = limit - len(rows)
                read = uow.audit.page(wanted, actions=actions, contains=contains,
                                      after=after, limit=asked)
                if read:
                    after = AuditCursor(read[-1].entry.at, read[-1].entry.id)
                # An action may carry several labels: keep the one asked for.
                rows += [r for r in read if not wanted.label
                         or label(r.entry.action, r.entry.details) == wanted.label]
                if len(read) < asked:
                    return AuditPage(tuple(rows), None)
                if len(rows) >= limit:
                    return AuditPage(tuple(rows), after)

    def head(self) -> AuditEntry | None:
        """The newest entry (None while the trail is empty). Written down elsewhere, its
        id and hash anchor the whole chain up to it. Reads only."""
        with self._uow() as uow:
            entries = uow.audit.find(limit=1)
        return entries[0] if entries else None

    def anchor(self, database: Location | Path, clinic: ClinicProfile) -> AuditAnchor | None:
        """The anchor sheet of the newest entry, or None while the trail is empty.

        Taking an anchor records nothing: it holds no record of anybody, and an entry of
        its own would make it stale the moment it was taken."""
        entry = self.head()
        if entry is None:
            return None
        anchor = Anchor(entry.id, entry.hash)
        if isinstance(database, Location):
            database = database.shown if database.is_server else database.path
        database = database if isinstance(database, str) else str(Path(database).absolute())
        return AuditAnchor(
            anchor=anchor, recorded_at=entry.at, recorded_by=entry.username,
            action=entry.action, clinic=clinic.name, database=database,
            taken_at=self._clock().replace(microsecond=0),
            check_command=(f"{PROGRAM} --db {_quoted(database)} audit verify "
                           f"--expect {anchor}"))

    @staticmethod
    def anchor_pdf(anchor: AuditAnchor, clinic: ClinicProfile) -> bytes:
        """The anchor sheet as a one-page PDF on the clinic's letterhead, for printing."""
        # Named at run time, like the other builders (reporting/__init__.py), so that
        # the windows, which import this module, never load ReportLab through it.
        builder = import_module(".reporting.audit_anchor", "practitioner_app")
        return builder.build_audit_anchor(anchor, clinic)

    def find(self, *, patient_id: int | None = None, username: str | None = None,
             start: datetime | None = None, end: datetime | None = None,
             actions: tuple[str, ...] | None = None) -> list[AuditEntry]:
        """Entries newest first (administrators only), filtered by patient, user, time
        range [start, end) and action (any of `actions`)."""
        self._require_admin()
        with self._uow() as uow:
            return uow.audit.find(patient_id=patient_id, username=username, start=start,
                                  end=end, actions=actions)


def _quoted(path: str) -> str:
    """`path` as one argument in a POSIX shell and in the Windows command prompt alike:
    in double quotes when it holds anything but plain path characters."""
    plain = all(ch.isalnum() or ch in "/\\:._-+" for ch in path)
    return path if plain else '"' + path.replace('"', '\\"') + '"'
