"""Watching the SQL the services send, for the query-plan tests and the benchmark's
baselines (which replay the very statements the app sent)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def sent_sql(services, selects_only: bool = False) -> Iterator[list[tuple[str, tuple]]]:
    """Every statement (SQL, parameters) the services send while the block runs; with
    `selects_only`, single SELECTs only (no executemany)."""
    from sqlalchemy import event  # imported here: the benchmark runner starts without it

    engine = services._database.engine
    statements: list[tuple[str, tuple]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if selects_only and (executemany
                             or not statement.lstrip().upper().startswith("SELECT")):
            return
        statements.append((statement, tuple(parameters or ())))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
