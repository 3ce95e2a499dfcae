"""What the audit trail window and `audit list` ask for and get back: a filter, one page
of entries newest first, and where the next (older) page starts.

Pages follow each other by keyset (the last entry shown), never by an offset, so reading
the thousandth page costs what the first did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .audit import AuditEntry

#: Entries read per page: a few screenfuls, read in a few milliseconds.
PAGE_SIZE = 200


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which entries to list; every field left None lists them all. `start`/`end` bound
    the time recorded, [start, end). `label` keeps only entries shown under that label
    (domain/audit_text.py), which may be one of several an action carries."""

    patient_id: int | None = None
    username: str | None = None
    label: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditCursor:
    """The last entry a page held: the next page holds the entries recorded before it
    (earlier time, or the same time and a lower number)."""

    at: datetime
    entry_id: int


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One entry as listed, with the number of the patient it is about (if any)."""

    entry: AuditEntry
    patient_number: str | None


@dataclass(frozen=True, slots=True)
class AuditPage:
    """Entries newest first (by the time recorded, then by number). `after` is where the
    next page starts, None when no older entry matches."""

    rows: tuple[AuditRow, ...]
    after: AuditCursor | None
