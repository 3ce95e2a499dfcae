"""Watching the SQL the services send, for the query-plan tests and the benchmark's
baselines (which replay the very statements the app sent)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def sent_sql(services, selects_only: bool = False) -> Iterator[list[tuple[str, object]]]:
    """Every statement (SQL, parameters) the services send while the block runs, the
    parameters as the driver is given them (a sequence on a file, a mapping on a
    server); with `selects_only`, single SELECTs only (no executemany)."""
    from sqlalchemy import event  # imported here: the benchmark runner starts without it

    engine = services._database.engine
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if selects_only and (executemany
                             or not statement.lstrip().upper().startswith("SELECT")):
            return
        statements.append((statement, () if parameters is None else parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextlib.contextmanager
def compiled_anew(services) -> Iterator[list[str]]:
    """The SELECTs sent while the block runs whose SQL had to be compiled (not found in
    SQLAlchemy's statement cache)."""
    from sqlalchemy import event
    from sqlalchemy.engine.interfaces import CacheStats

    engine = services._database.engine
    compiled: list[str] = []

    def record(_conn, _cursor, statement, _parameters, context, _executemany) -> None:
        if (statement.lstrip().upper().startswith("SELECT")
                and context.cache_hit == CacheStats.CACHE_MISS):
            compiled.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield compiled
    finally:
        event.remove(engine, "before_cursor_execute", record)
