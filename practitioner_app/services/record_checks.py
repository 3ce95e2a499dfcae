"""Checks of the record's own proofs, for `practitioner-app check` and File ▸ Check
database: the audit trail's hash chain and the digest of every signed session.

Each takes the read-only sqlite3 connection the check runner opened and returns its
problems in plain words ([] when all is well).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from ..domain.audit import AuditEntry, first_break
from ..domain.signing import session_digest


def audit_chain_problems(con: sqlite3.Connection) -> list[str]:
    if not _has_table(con, "audit_log"):
        return []
    entries = [
        AuditEntry(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6], r[7],
                   r[8])
        for r in con.execute("SELECT id, at, username, action, patient_id, session_id, "
                             "details, prev_hash, hash FROM audit_log ORDER BY id")]
    row = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    problem = first_break(entries, int(row[0]) if row else 0)
    return [f"the audit trail does not hold: {problem}"] if problem else []


def signed_session_problems(con: sqlite3.Connection) -> list[str]:
    """Recompute each signed session's digest through the app's own reading of the file."""
    if not _has_table(con, "treatment_sessions") or not con.execute(
            "SELECT 1 FROM treatment_sessions WHERE signed_at IS NOT NULL LIMIT 1").fetchone():
        return []
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ..persistence.engine import make_engine
    from ..persistence.mapping import session_from_record
    from ..persistence.models import PatientRecord, SessionRecord

    path = Path(con.execute("PRAGMA database_list").fetchone()[2])
    engine = make_engine(path)
    problems = []
    try:
        with Session(engine) as db:
            rows = db.execute(select(SessionRecord, PatientRecord.number)
                              .join(PatientRecord, PatientRecord.id == SessionRecord.patient_id)
                              .where(SessionRecord.signed_at.is_not(None)))
            for record, number in rows:
                session = session_from_record(record)
                if session_digest(number, session) != record.digest:
                    problems.append(f"signed session {record.id} (patient {number}, "
                                    f"{record.session_date}) no longer matches its signature")
    finally:
        engine.dispose()
    return problems


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (name,)).fetchone() is not None
