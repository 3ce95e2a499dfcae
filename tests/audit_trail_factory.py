"""A long audit trail made quickly: entries chained with the app's own hash code and
written in one go with plain SQL (the protective triggers allow appends), continuing the
chain the database already holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from practitioner_app.domain.audit import GENESIS, canonical_details, entry_hash
from tests.server_helpers import is_server, raw_connection

#: What the made entries record, in turn: (action, details, about a patient?).
KINDS = (
    ("sign-in", {}, False),
    ("patient changed", {"changes": [{"field": "allergies", "old": "", "new": "Latex"}]},
     True),
    ("session created", {}, True),
    ("report printed", {"kind": "summary"}, True),
)
USERS = ("jroe", "anurse", "bsmith")


def add_trail(database, count: int, first_at: datetime,
              patient_ids: tuple[int, ...] = (), step: timedelta = timedelta(minutes=1),
              batch: int = 20_000) -> tuple[int, int]:
    """Append `count` entries, one every `step` from `first_at`; entry i (from 0) is by
    USERS[i % 3], records KINDS[i % 4] and, when that kind is about a patient and
    `patient_ids` are given, is about patient_ids[i % len]. Returns (first, last) id."""
    with raw_connection(database) as con:
        row = con.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        last_id, prev = (row[0], row[1]) if row else (0, GENESIS)
        first = last_id + 1
        rows = []
        for i in range(count):
            action, details, about_patient = KINDS[i % len(KINDS)]
            patient = (patient_ids[i % len(patient_ids)]
                       if about_patient and patient_ids else None)
            at = first_at + i * step
            text = canonical_details(details)
            entry_id = first + i
            digest = entry_hash(prev, entry_id, at, USERS[i % 3], action, patient, None, text)
            rows.append((entry_id, _stored(database, at), USERS[i % 3], action, patient,
                         None, text, prev, digest))
            prev = digest
            if len(rows) == batch or i == count - 1:
                _insert(con, database, rows)
                rows = []
    return first, first + count - 1


def _stored(database, at: datetime):
    # SQLAlchemy keeps SQLite times as text with microseconds; a server takes the value.
    return at if is_server(database) else at.strftime("%Y-%m-%d %H:%M:%S.%f")


def _insert(con, database, rows) -> None:
    sql = ("INSERT INTO audit_log (id, at, username, action, patient_id, session_id, "
           "details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    if is_server(database):
        con._con.cursor().executemany(sql.replace("?", "%s"), rows)
    else:
        con.executemany(sql, rows)
