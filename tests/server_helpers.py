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
