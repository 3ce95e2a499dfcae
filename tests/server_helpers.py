"""Plain SQL on a test's database, whichever backend: what another program (or someone
at the server's console) could do, bypassing the app."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest


def is_server(database) -> bool:
    return str(database).startswith("postgresql://")


@contextmanager
def raw_connection(database):
    """A DB-API connection to `database` whose `execute` takes `?` placeholders on both
    backends; committed on leaving without error."""
    if is_server(database):
        import psycopg

        with psycopg.connect(str(database)) as con:
            yield _Qmark(con)
        return
    con = sqlite3.connect(Path(database))
    try:
        yield con
        con.commit()
    finally:
        con.close()


class _Qmark:
    def __init__(self, con) -> None:
        self._con = con

    def execute(self, sql: str, params=()):
        return self._con.execute(sql.replace("?", "%s"), tuple(params))

    def commit(self) -> None:
        self._con.commit()


def sql(database, *statements) -> None:
    """Run each statement (text, or (text, params)) in one transaction."""
    with raw_connection(database) as con:
        for statement in statements:
            text, params = statement if isinstance(statement, tuple) else (statement, ())
            con.execute(text, params)


def query(database, text: str, params=()) -> list[tuple]:
    with raw_connection(database) as con:
        return [tuple(row) for row in con.execute(text, params).fetchall()]


def server_only(database) -> None:
    if not is_server(database):
        pytest.skip("about the clinic server's own mechanism")


# --- values as either backend hands them back ---------------------------------------------
#
# SQLite gives times and dates back as ISO text and booleans as 0/1; PostgreSQL gives
# datetime, date and bool objects. Tests compare through these, never by the text.

def when(value):
    """A stored timestamp as a datetime (None stays None)."""
    from datetime import datetime

    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def day(value):
    """A stored date as a date (None stays None)."""
    from datetime import date, datetime

    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    return date.fromisoformat(value)


def flag(value):
    """A stored boolean as a bool (None stays None)."""
    return None if value is None else bool(value)


# --- the protective triggers, by each backend's names -------------------------------------

def trigger_names(database) -> tuple[str, ...]:
    """Every protective trigger's name on `database`'s backend."""
    from practitioner_app.persistence import triggers

    if is_server(database):
        return tuple(t.name for t in triggers.SERVER_TRIGGERS)
    return triggers.TRIGGER_NAMES


def protecting(database, table: str, event: str) -> str:
    """The name of the protective trigger that refuses `event` (INSERT, UPDATE, DELETE)
    on `table` on `database`'s backend (SQLite has one trigger per event, PostgreSQL one
    per table and kind of rule). Triggers that keep an index in step run after the
    change and refuse nothing: they are not counted."""
    from practitioner_app.persistence import triggers

    if is_server(database):
        found = [t.name for t in triggers.SERVER_TRIGGERS
                 if t.table == table and event in t.events and t.timing == "BEFORE"]
    else:
        found = [name for name, text in triggers.TRIGGERS
                 if f" BEFORE {event} ON {table} " in text]
    assert len(found) == 1, (table, event, found)
    return found[0]


def drop_triggers(database, names=None) -> None:
    """Drop protective triggers from `database` (all of them when `names` is None), as
    someone with the file or the server's console could; `names` are the backend's."""
    from practitioner_app.persistence import triggers

    names = trigger_names(database) if names is None else tuple(names)
    if is_server(database):
        tables = {t.name: t.table for t in triggers.SERVER_TRIGGERS}
        sql(database, *(f"DROP TRIGGER {name} ON {tables[name]}" for name in names))
    else:
        sql(database, *(f"DROP TRIGGER {name}" for name in names))


def drop_protection(database, table: str, *events: str) -> None:
    """Drop whatever protective triggers refuse `events` on `table` (on PostgreSQL one
    trigger may refuse several)."""
    drop_triggers(database, dict.fromkeys(protecting(database, table, e) for e in events))


def refused():
    """The exception types plain SQL meets when a protective trigger refuses it."""
    import sqlite3

    import psycopg

    return (sqlite3.IntegrityError, psycopg.errors.RaiseException)


#: The indexes the lot recall reads, one per lot column.
LOT_INDEXES = {"ix_treatment_sessions_serum_lot": "serum_lot",
               "ix_treatment_sessions_numbing_lot": "numbing_lot",
               "ix_treatment_sessions_cartridge_lot": "needling_cartridge_lot"}


def lot_indexes_in_binary_order(database) -> bool:
    """Whether the server's lot indexes hold the lots in binary order (COLLATE "C"), the
    order the lot recall compares in there."""
    definitions = dict(query(database, "SELECT indexname, indexdef FROM pg_indexes WHERE "
                                       "tablename = 'treatment_sessions'"))
    return all('COLLATE "C"' in definitions.get(name, "") for name in LOT_INDEXES)


def server_plan(database, statement, *, conditions_only: bool = False) -> list[str]:
    """The lines of PostgreSQL's EXPLAIN for a SQLAlchemy `statement` (its values written
    in). `conditions_only`: whole-table scans (sequential, or along an index for its
    order) become the planner's last resort, leaving bitmap scans, which are built only
    from conditions an index can answer; so the plan shows which indexes the conditions
    reach, however few rows the tables hold."""
    from sqlalchemy.dialects import postgresql

    compiled = statement.compile(dialect=postgresql.psycopg.dialect(),
                                 compile_kwargs={"literal_binds": True})
    with raw_connection(database) as con:
        if conditions_only:
            con.execute("SET enable_seqscan = off")
            con.execute("SET enable_indexscan = off")
        return [row[0] for row in con.execute(f"EXPLAIN {compiled}").fetchall()]
