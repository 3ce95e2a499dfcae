"""The records the checks read, in bounded batches, on either backend.

`pages` reads a query a batch at a time by its key (keyset pagination: `key > last
ORDER BY key LIMIT n`), so the rows held at once are one batch however large the table,
on a file as on a server (whose client would otherwise receive a whole result at once).
`signed_sessions` builds each signed session with the app's own mapping
(`persistence.mapping.session_from_record`) from plain rows, the column values converted
by the column types the app's tables declare, as SQLAlchemy converts them when the app
reads a session, without the ORM's per-object bookkeeping.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Float

from ..domain.session import TreatmentSession
from ..persistence.mapping import session_from_record
from ..persistence.models import ScreenAnswerRecord, SessionRecord, ZoneRecord
from .row_digest import RowDigest

#: Rows per batch: large enough that a query per batch costs little, small enough that
#: a batch of the widest rows (sessions, each with its zones and a dozen screen answers)
#: takes about three megabytes.
BATCH = 200

#: Session columns a file not yet upgraded may lack (the check runs before the app
#: upgrades it). 0004 added the digest rule and audit links (all rule-1 signatures
#: before), 0005 the next appointment time (None, which the digest leaves out), 0006 row
#: versions (which no digest covers).
OPTIONAL_SESSION_COLUMNS = frozenset({
    "digest_rule", "signed_audit_id", "imported_from", "imported_at", "imported_by",
    "aftercare_next_appointment_time", "version"})


def is_server(con) -> bool:
    return getattr(con, "dialect", "sqlite") == "postgresql"


def pages(con, sql: str, params: Sequence = (), *, batch: int | None = None,
          start: int = -1) -> Iterator[list[tuple]]:
    """The rows of `sql` `batch` (default BATCH) at a time, keys above `start`. `sql`
    selects a unique integer key first and ends with `<key> > ? ORDER BY <key> LIMIT ?`,
    after any `params` of its own."""
    batch = BATCH if batch is None else batch
    last = start
    while True:
        rows = con.execute(sql, (*params, last, batch)).fetchall()
        if rows:
            yield rows
        if len(rows) < batch:
            return
        last = rows[-1][0]


def table_columns(con, table: str) -> set[str]:
    if is_server(con):
        return {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ?", (table,))}
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}


def _dialect(con):
    if is_server(con):
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

        return PGDialect_psycopg()
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    return SQLiteDialect_pysqlite()


#: Converted values remembered per column (bounded: memory does not grow with the clinic).
_REMEMBERED = 1024

#: The type code the server gives a Float column's values (double precision): SQLAlchemy
#: asks for it to choose the conversion (none: the driver gives floats).
_DOUBLE_PRECISION = 701


def _processor(type_, dialect):
    """What SQLAlchemy applies to a value of `type_` read on `dialect` (None: nothing).
    Its answers are remembered for the values met most recently: a column holds few
    distinct values (an enum's, a day's, a time of day's), and every one converts to an
    immutable value, so the same object serves each time."""
    impl = type_.dialect_impl(dialect)
    coltype = _DOUBLE_PRECISION if dialect.name == "postgresql" and isinstance(
        impl, Float) else None
    processor = impl.result_processor(dialect, coltype)
    return None if processor is None else lru_cache(maxsize=_REMEMBERED)(processor)


class _Reader:
    """A table's columns as the app's model declares them: the SELECT list (NULL for a
    column the database does not have yet and may lack), and each row as a record read
    by attribute, its values converted as SQLAlchemy converts them for this backend."""

    def __init__(self, con, table, alias: str, optional: frozenset[str] = frozenset(),
                 children: tuple[str, ...] = ()):
        dialect = _dialect(con)
        present = table_columns(con, table.name)
        self.names = [c.name for c in table.columns]
        self.select = ", ".join(
            f"{alias}.{c.name}" if c.name in present or c.name not in optional else "NULL"
            for c in table.columns)
        #: Each column's conversion (None: none), by name.
        self.processors = {c.name: _processor(c.type, dialect) for c in table.columns}
        self._convert = [(i, processor) for i, processor
                         in enumerate(self.processors.values()) if processor is not None]
        # A row read by attribute, as the mapping reads a model's row (a named tuple is
        # made in one call), with the children a session carries.
        self._row = namedtuple(f"{table.name}_row", [*self.names, *children])

    def record(self, values: Sequence, *children) -> tuple:
        values = list(values)
        for i, processor in self._convert:
            if values[i] is not None:
                values[i] = processor(values[i])
        values += children
        return self._row._make(values)


class SignedSessionReader:
    """Reads the signed sessions of `con` a batch at a time, as stored (`batches`), and
    builds one the app's way when asked (`session`): the check confirms most digests from
    the stored values (`digest`, services/row_digest.py) and builds only the others."""

    def __init__(self, con) -> None:
        self.sessions = _Reader(con, SessionRecord.__table__, "s", OPTIONAL_SESSION_COLUMNS,
                                ("zones", "screen", "addenda"))
        self.zones = _Reader(con, ZoneRecord.__table__, "z")
        self.screen = _Reader(con, ScreenAnswerRecord.__table__, "a")
        self._con = con

    @cached_property
    def digest(self) -> RowDigest:
        """Canonical bytes and digests from the stored values these batches hold."""
        return RowDigest(self.sessions.names, self.zones.names, self.screen.names,
                         self.sessions.processors, self.zones.processors,
                         self.screen.processors)

    def batches(self, progress=None, after: int = 0, upto: int | None = None
                ) -> Iterator[list[SignedRows]]:
        """The signed sessions numbered above `after` (and up to `upto`), in id order, a
        batch at a time, their values as stored. Reports the last session id read to
        `progress` (its total: the highest id, or `upto`)."""
        con = self._con
        if progress is not None:
            progress.total(upto if upto is not None else con.execute(
                "SELECT max(id) FROM treatment_sessions").fetchone()[0])
        bound, params = ("", ()) if upto is None else (" AND s.id <= ?", (upto,))
        for batch in pages(con, f"SELECT s.id, p.number, {self.sessions.select} FROM "
                                "treatment_sessions s JOIN patients p ON p.id = s.patient_id "
                                f"WHERE s.signed_at IS NOT NULL{bound} AND s.id > ? "
                                "ORDER BY s.id LIMIT ?", params, start=after):
            first, last = batch[0][0], batch[-1][0]
            zones_of = _children(con, self.zones, "zone_treatments z", first, last)
            screen_of = _children(con, self.screen, "screen_answers a", first, last)
            yield [SignedRows(row[1], row[2:], zones_of.get(row[0], ()),
                              screen_of.get(row[0], ())) for row in batch]
            if progress is not None:
                progress.step(last)

    def session(self, rows: SignedRows) -> TreatmentSession:
        """The session `rows` hold, as the app reads it (addenda left out)."""
        return session_from_record(self.sessions.record(
            rows.row, [self.zones.record(z) for z in rows.zones],
            [self.screen.record(a) for a in rows.screen], ()))


@dataclass(frozen=True, slots=True)
class SignedRows:
    """One signed session as stored: its patient's number, its row (the session
    columns), its zone rows and screen-answer rows in order."""

    number: str
    row: tuple
    zones: Sequence[tuple]
    screen: Sequence[tuple]


def signed_sessions(con, progress=None) -> Iterator[tuple[str, TreatmentSession]]:
    """(patient number, session) for every signed session in id order, as the app reads
    it (addenda left out: no digest covers them). Reports the last session id read of
    the highest to `progress`."""
    reader = SignedSessionReader(con)
    for batch in reader.batches(progress):
        for rows in batch:
            yield rows.number, reader.session(rows)


def _children(con, reader: _Reader, table: str, first: int, last: int) -> dict[int, list]:
    """The child rows of the sessions numbered `first` to `last`, by session, in their
    order within it (the unique (session_id, position) index serves both), as stored."""
    alias = table.split()[1]
    rows = con.execute(f"SELECT {reader.select} FROM {table} WHERE {alias}.session_id "
                       f">= ? AND {alias}.session_id <= ? ORDER BY {alias}.session_id, "
                       f"{alias}.position", (first, last)).fetchall()
    return {session: list(group) for session, group
            in groupby(rows, key=itemgetter(reader.names.index("session_id")))}
