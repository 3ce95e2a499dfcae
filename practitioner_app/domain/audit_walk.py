"""Checking the audit chain a slice at a time, from any entry already verified: what lets
a million entries be verified in the background, and only the new ones the next time.

Each entry must follow the one before (no number missing, its `prev_hash` is that
entry's hash) and its own hash must recompute. `audit.first_break`, the whole chain's
verdict, is this walk from the first entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .audit import GENESIS, AuditEntry, entry_hash


@dataclass(frozen=True, slots=True)
class ChainPoint:
    """An entry known to close an unbroken chain from the first: its number and hash.
    `START` (0, GENESIS) stands before the first entry."""

    entry_id: int
    hash: str


START = ChainPoint(0, GENESIS)


class ChainWalk:
    """Feeds entries, oldest first, onto a chain verified up to `point`.

    After each `feed`, `point` is the last entry that holds and `problem` the first one
    that does not (described for a person), None while everything holds. Once a problem
    is found, further entries are ignored."""

    def __init__(self, point: ChainPoint = START) -> None:
        self.point = point
        self.problem: str | None = None
        self.checked = 0

    def feed(self, entries: Iterable[AuditEntry]) -> str | None:
        if self.problem is not None:
            return self.problem
        prev, expected = self.point.hash, self.point.entry_id + 1
        try:
            for e in entries:
                if e.id != expected:
                    self.problem = (f"entry {expected} is missing" if e.id > expected
                                    else f"entry {e.id} is out of order")
                    break
                if e.prev_hash != prev:
                    self.problem = (f"entry {e.id} does not follow entry {e.id - 1}: an "
                                    "entry was inserted")
                    break
                if entry_hash(e.prev_hash, e.id, e.at, e.username, e.action, e.patient_id,
                              e.session_id, e.details) != e.hash:
                    self.problem = f"entry {e.id} was altered"
                    break
                prev, expected = e.hash, e.id + 1
                self.checked += 1
        finally:
            self.point = ChainPoint(expected - 1, prev)
        return self.problem

    def finish(self, last_issued_id: int) -> str | None:
        """The walk's verdict once every entry up to the newest was fed: also names an
        entry removed from the end, seen where `last_issued_id` (the highest number ever
        issued, 0 where unknown) is beyond the last entry."""
        if self.problem is None and last_issued_id > self.point.entry_id:
            self.problem = (f"entry {self.point.entry_id + 1} is missing (removed from the "
                            "end)")
        return self.problem
