"""One writer at a time at the head of the audit chain.

Each audit entry stores the hash of the entry before it, so appending is a read (the
newest entry's id and hash) followed by an insert. Two connections that both read the
same head before either inserts would give two entries the same id, or chain one of
them to an entry that is no longer the newest: a broken chain nobody tampered with.
Every append therefore takes the chain's lock first, here and nowhere else; the lock is
held until the transaction that carries the entry (and the change it records) commits
or rolls back.

SQLite: the lock is the database's write lock. The driver (Python's sqlite3 in its
default transaction mode) opens a transaction only at the first INSERT, UPDATE or
DELETE, which takes the write lock at once; so a transaction already open holds it,
and otherwise one is opened with BEGIN IMMEDIATE, which takes it before anything is
read. Other connections and processes wait for it up to the busy timeout (engine.py)
instead of failing.

PostgreSQL: a transaction-scoped advisory lock (`pg_advisory_xact_lock`) taken before
the head is read; the server releases it when the transaction commits or rolls back, also
when a workstation's connection dies.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .server import AUDIT_CHAIN_LOCK_KEY


def hold_audit_chain(session: Session) -> None:
    """Make `session`'s transaction the only one that may append to the audit chain
    until it ends. Waits (up to the busy timeout) while another one holds it."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({AUDIT_CHAIN_LOCK_KEY})")
        return
    driver = connection.connection.driver_connection
    if not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
