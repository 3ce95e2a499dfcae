"""Triggers that make records refuse change even from plain SQL.

Signed sessions (with their zone rows and screen answers) cannot be updated or deleted;
addenda, consents and the audit log are append-only. `check` reports a trigger that is
missing or whose SQL differs from TRIGGERS (`differences`), and opening a database puts
them back (`restore`).

They are not created by a migration: the migrator drops them before any migration runs
and creates the current set afterwards. Batch migrations copy, drop and rename tables,
and SQLite refuses to rename a table that another table's trigger names; a recreated
table would also silently lose its own triggers.
"""

from __future__ import annotations

from sqlalchemy import Connection

_CHANGED = "a signed session cannot be changed; add an addendum"


def _refuse(name: str, event: str, table: str, when: str, message: str) -> tuple[str, str]:
    return name, (f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                  f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message}'); END")


_SIGNED = "(SELECT signed_at FROM treatment_sessions WHERE id = {row}.session_id) IS NOT NULL"

TRIGGERS: tuple[tuple[str, str], ...] = (
    _refuse("signed_session_no_update", "UPDATE", "treatment_sessions",
            "OLD.signed_at IS NOT NULL", _CHANGED),
    _refuse("signed_session_no_delete", "DELETE", "treatment_sessions",
            "OLD.signed_at IS NOT NULL", "a signed session cannot be deleted"),
    *(
        _refuse(f"{table}_signed_no_{event.lower()}", event, table, when, _CHANGED)
        for table in ("zone_treatments", "screen_answers")
        for event, when in (
            ("INSERT", _SIGNED.format(row="NEW")),
            # Both sides: a row may neither leave a signed session nor be moved into one.
            ("UPDATE", f"{_SIGNED.format(row='OLD')} OR {_SIGNED.format(row='NEW')}"),
            ("DELETE", _SIGNED.format(row="OLD")),
        )
    ),
    *(
        _refuse(f"{table}_append_only_{event.lower()}", event, table, "1",
                f"{table} entries are never changed or deleted")
        for table in ("addenda", "consents", "audit_log")
        for event in ("UPDATE", "DELETE")
    ),
)
TRIGGER_NAMES = tuple(name for name, _sql in TRIGGERS)


def drop_all(connection: Connection) -> None:
    for name in TRIGGER_NAMES:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def create_all(connection: Connection) -> None:
    for _name, sql in TRIGGERS:
        connection.exec_driver_sql(sql)


def _normal(sql: str | None) -> str:
    return " ".join((sql or "").split())


def differences(present: dict[str, str | None]) -> list[tuple[str, str]]:
    """(name, "missing" | "altered") for each protective trigger that is not as defined
    here, given the triggers present as {name: CREATE TRIGGER sql}."""
    found = []
    for name, sql in TRIGGERS:
        if name not in present:
            found.append((name, "missing"))
        elif _normal(present[name]) != _normal(sql):
            found.append((name, "altered"))
    return found


# The catalogue query is SQLite's; PostgreSQL keeps triggers in pg_trigger.
PRESENT_SQL = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"


def restore(connection: Connection) -> list[tuple[str, str]]:
    """Re-create every protective trigger that is missing or altered, in the caller's
    transaction; returns what was found, as `differences`."""
    present = dict(connection.exec_driver_sql(PRESENT_SQL).fetchall())
    found = differences(present)
    wanted = dict(TRIGGERS)
    for name, _state in found:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql(wanted[name])
    return found
