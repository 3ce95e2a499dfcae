"""Verifying the audit chain in steps, from the last entry this computer verified.

A million entries take seconds to verify, so the audit window verifies them off its
thread, a slice at a time (each slice in its own short read, so no snapshot is held for
the whole walk), reporting progress and stopping when asked. Where it stopped is kept as
a checkpoint (the entry's number and hash), so the next opening verifies only the
entries added since, after checking that the checkpoint entry still has that hash.

The checkpoint is a small file per database in this computer's app data folder, not in
the database: what it vouches for is what this computer verified; writing it changes
nothing in the record (no change notice, no backup, no audit entry); and whoever alters
a clinic server's database behind the app cannot alter it (a file's owner could, as they
could the file). It works like an anchor kept away from the database: a trail rewritten
with every hash recomputed, or cut short, no longer holds the checkpoint entry with its
hash, and the whole chain is then verified from the first entry and the change is said.
Entries before the checkpoint are not verified again on each opening; the full check
(`check`, `audit verify`) still verifies every entry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from time import monotonic, sleep

from ..domain.audit_walk import START, ChainPoint, ChainWalk
from ..domain.location import Location
from ..persistence.unit_of_work import UnitOfWork
from .files import StorageError, private_folder, write_file

#: Entries read per slice by the full verification (`audit verify`): large enough that
#: the reads cost little beside the hashing, small enough that memory stays flat.
SLICE = 5000
#: The background walk's slices: a few milliseconds of reading and hashing each, so a
#: request to stop is heard at once and a slice's read holds no snapshot for long.
STEP_SLICE = 500
#: The background walk's pause between slices. Python runs one thread at a time: without
#: it, the window's thread waited for the walk at every turn of painting a scrolled list
#: (up to ~200 ms per turn, measured on a million entries); with it, ~90 ms at most, for a
#: walk about twice as long (~30 s per million entries, once per computer).
STEP_PAUSE_S = 0.004
#: A walk still going writes its checkpoint this often, so a window closed (or a program
#: stopped) half way keeps most of what was verified.
SAVE_EVERY_S = 5.0


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The last entry verified on this computer, and when."""

    point: ChainPoint
    verified_at: datetime


@dataclass(frozen=True, slots=True)
class ChainState:
    """Where a verification of the audit chain stands.

    The chain holds from the first entry to `holds_to` (verified now from `earlier`, or
    from the first entry). `done` of `total` entries are verified so far in this run, up
    to `newest`, the newest entry when it began. `problem` names the first entry that
    does not hold. `earlier` is the checkpoint this run started from (entries up to it
    were verified on this computer at `earlier_at` and not again now); `note` says why a
    checkpoint could not be used (the whole chain is then verified)."""

    holds_to: int
    newest: int
    done: int
    total: int
    problem: str | None = None
    earlier: ChainPoint | None = None
    earlier_at: datetime | None = None
    note: str | None = None
    finished: bool = False
    cancelled: bool = False


class CheckpointFile:
    """The checkpoint of one database, as a small JSON file in this computer's app data
    folder (owner-only), named after the database's place."""

    def __init__(self, location: Location, folder: Path | None = None) -> None:
        if folder is None:
            from ..paths import default_data_folder

            folder = default_data_folder() / "audit-checkpoints"
        self._shown = location.shown
        digest = hashlib.sha256(self._shown.encode("utf-8")).hexdigest()[:16]
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", location.name)[:60]
        self.path = Path(folder) / f"{name}-{digest}.json"

    def read(self) -> Checkpoint | None:
        """The checkpoint, or None when there is none (or it cannot be read: the chain
        is then verified from the first entry, which is always safe)."""
        try:
            held = json.loads(self.path.read_text("utf-8"))
            if held.get("database") != self._shown:
                return None
            return Checkpoint(ChainPoint(int(held["entry"]), str(held["hash"])),
                              datetime.fromisoformat(held["verified_at"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self, checkpoint: Checkpoint) -> None:
        """Keep `checkpoint` (whole or not at all). A failure to write loses nothing but
        time: the next opening verifies from the previous checkpoint."""
        try:
            private_folder(self.path.parent)
            write_file(self.path, json.dumps({
                "database": self._shown, "entry": checkpoint.point.entry_id,
                "hash": checkpoint.point.hash,
                "verified_at": checkpoint.verified_at.isoformat(timespec="seconds"),
            }, indent=1) + "\n")
        except (StorageError, OSError):
            pass


def verify_in_steps(uow_factory: Callable[[], UnitOfWork], checkpoints: CheckpointFile,
                    clock: Callable[[], datetime],
                    progress: Callable[[ChainState], None] = lambda _s: None,
                    cancelled: Callable[[], bool] = lambda: False,
                    slice_size: int = STEP_SLICE, pause_s: float = STEP_PAUSE_S) -> ChainState:
    """Verify the chain from the checkpoint (if it still holds) to the newest entry, a
    slice at a time with a pause between slices; `progress` hears the state after each
    slice (on this thread), and the walk stops after the slice during which
    `cancelled()` turned true. Returns the final state. Reads only the database; writes
    only the checkpoint file."""
    saved = checkpoints.read()
    with uow_factory() as uow:
        # The counter first: an entry appended between the two reads is then one more to
        # verify, never one that looks removed from the end.
        last_issued = uow.audit.last_issued_id()
        newest = uow.audit.newest_id()
        start, note = START, None
        if saved is not None:
            held = uow.audit.entry(saved.point.entry_id)
            if held is not None and held.hash == saved.point.hash:
                start = saved.point
            elif held is None:
                note = (f"entry {saved.point.entry_id}, verified on this computer on "
                        f"{saved.verified_at:%Y-%m-%d %H:%M}, is no longer in the trail")
            else:
                note = (f"entry {saved.point.entry_id} no longer has the hash it had when "
                        f"this computer verified it on {saved.verified_at:%Y-%m-%d %H:%M}")
    walk = ChainWalk(start)
    state = ChainState(
        holds_to=start.entry_id, newest=newest, done=0,
        total=max(newest - start.entry_id, 0),
        earlier=start if start != START else None,
        earlier_at=saved.verified_at if start != START and saved else None, note=note)
    kept, last_save = start, monotonic()

    def keep() -> None:
        nonlocal kept, last_save
        if walk.point != kept and walk.point.entry_id > 0:
            checkpoints.write(Checkpoint(walk.point, clock()))
            kept = walk.point
        last_save = monotonic()

    progress(state)
    while walk.problem is None and walk.point.entry_id < newest:
        if cancelled():
            keep()
            return replace(state, cancelled=True)
        with uow_factory() as uow:
            entries = uow.audit.chain_slice(walk.point.entry_id, newest, slice_size)
        if not entries:  # the newest entries went while we read: named below
            break
        walk.feed(entries)
        state = replace(state, holds_to=walk.point.entry_id, done=walk.checked,
                        problem=walk.problem)
        progress(state)
        if monotonic() - last_save >= SAVE_EVERY_S:
            keep()
        if pause_s:
            sleep(pause_s)
    problem = walk.finish(max(last_issued, newest))
    keep()
    return replace(state, holds_to=walk.point.entry_id, done=walk.checked, problem=problem,
                   finished=True)
