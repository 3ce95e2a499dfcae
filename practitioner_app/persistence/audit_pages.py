"""The audit trail read a page or a slice at a time, never whole.

- `page_rows`: entries newest first (time recorded, then number) after a keyset cursor,
  filtered by patient, practitioner, actions and a time range. Each filter has an index
  ending in (at, id) (migration 0008), so a page reads about as many index entries as it
  returns, whatever the size of the trail; the patient's number comes with each row.
- `chain_slice`: entries oldest first by number after a given one, for verifying the
  chain a slice at a time.

Rows are read as tuples: materialising ORM objects costs several times more per row.
"""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from ..domain.audit import AuditEntry
from ..domain.audit_listing import AuditCursor, AuditFilter, AuditRow
from .models import AuditRecord, PatientRecord

_AUDIT = AuditRecord.__table__
_PATIENTS = PatientRecord.__table__
_ENTRY_COLUMNS = (_AUDIT.c.id, _AUDIT.c.at, _AUDIT.c.username, _AUDIT.c.action,
                  _AUDIT.c.patient_id, _AUDIT.c.session_id, _AUDIT.c.details,
                  _AUDIT.c.prev_hash, _AUDIT.c.hash)


def page_rows(session: Session, wanted: AuditFilter, actions: tuple[str, ...] | None,
              contains: str | None, after: AuditCursor | None, limit: int) -> list[AuditRow]:
    """Up to `limit` entries matching `wanted` (its label aside: the caller keeps the
    label's entries among those of `actions`), newest first, recorded before `after`.
    `contains`, when given, is text every wanted entry's details hold: it narrows the
    read inside the database, never widens it."""
    a = _AUDIT.c
    stmt = (select(*_ENTRY_COLUMNS, _PATIENTS.c.number)
            .select_from(_AUDIT.outerjoin(_PATIENTS, _PATIENTS.c.id == a.patient_id))
            .order_by(a.at.desc(), a.id.desc()).limit(limit))
    if wanted.patient_id is not None:
        stmt = stmt.where(a.patient_id == wanted.patient_id)
    if wanted.username:
        stmt = stmt.where(a.username == wanted.username)
    if actions:
        stmt = stmt.where(a.action.in_(actions) if len(actions) > 1
                          else a.action == actions[0])
    if contains:
        stmt = stmt.where(a.details.contains(contains, autoescape=True))
    if wanted.start is not None:
        stmt = stmt.where(a.at >= wanted.start)
    if wanted.end is not None:
        stmt = stmt.where(a.at < wanted.end)
    if after is not None:
        # One row-value comparison, which both databases read as a range of the index.
        stmt = stmt.where(tuple_(a.at, a.id) < tuple_(after.at, after.entry_id))
    return [AuditRow(AuditEntry(*row[:9]), row[9]) for row in session.execute(stmt)]


def chain_slice(session: Session, after_id: int, up_to: int, limit: int) -> list[AuditEntry]:
    """Up to `limit` entries numbered after `after_id` and at most `up_to`, oldest
    first: read along the primary key."""
    a = _AUDIT.c
    stmt = (select(*_ENTRY_COLUMNS).where(a.id > after_id, a.id <= up_to)
            .order_by(a.id).limit(limit))
    return [AuditEntry(*row) for row in session.execute(stmt)]


def entry(session: Session, entry_id: int) -> AuditEntry | None:
    """The entry numbered `entry_id`, if the trail holds it."""
    row = session.execute(select(*_ENTRY_COLUMNS).where(_AUDIT.c.id == entry_id)).first()
    return AuditEntry(*row) if row else None


def newest_id(session: Session) -> int:
    """The highest number the trail holds (0 while empty)."""
    row = session.execute(select(_AUDIT.c.id).order_by(_AUDIT.c.id.desc()).limit(1)).first()
    return row[0] if row else 0

