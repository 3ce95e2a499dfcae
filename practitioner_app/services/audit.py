"""Reading and checking the audit trail, anchoring it, and logging events the windows
and commands witness (locks, prints, files written). Changes to records log themselves
in their own transaction.

Appends from any number of windows and commands are serialised where the entry is
added (persistence/audit_lock.py), so they always leave one unbroken chain.
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from pathlib import Path

from ..domain.audit import Action, Anchor, AuditAnchor, AuditEntry, anchor_problem, first_break
from ..domain.clinic import ClinicProfile
from ..domain.location import Location
from .base import Service
from .files import StorageError, write_file

#: The program's name in the check command an anchor sheet prints.
PROGRAM = "practitioner-app"


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
        a person. Reads only: checking the trail never adds to it."""
        with self._uow() as uow:
            # The counter first: an entry appended between the two reads then only adds
            # to the entries read, instead of looking like one removed from the end.
            last = uow.audit.last_issued_id()
            entries = uow.audit.all()
        problem = first_break(entries, last)
        if problem is None and expect is not None:
            problem = anchor_problem(entries, expect)
        return len(entries), problem

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
