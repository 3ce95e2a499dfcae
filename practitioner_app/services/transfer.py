"""Moving a clinic from its SQLite file onto the clinic's PostgreSQL server.

Every table is copied, ids and all (patients, sessions, zones, screens, courses,
consents, accounts, signatures, addenda, rules, clinic settings and the whole audit
trail), into a server database that holds no records yet, in one transaction: the
target has all of it or none. Then the target is checked as a court would: row counts
per table equal, every signed session's digest still matches, and the audit chain
verifies end to end with the same newest entry and hash as the file's. Only then is
the move itself recorded, as the next entry of the target's trail.

The source file is never changed: it is read in one read-only transaction (a consistent
snapshot), nobody signs in to it (the password is checked against its account without
writing anything), and a file from an older version is upgraded on a checked copy.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, create_engine, func, insert, select, text

from ..domain.audit import Action
from ..domain.errors import DomainError, PermissionDenied, SignInRefused
from ..domain.location import Location
from ..persistence import migrator, triggers
from ..persistence.database import Database
from ..persistence.models import AuditRecord, Base, UserRecord
from ..persistence.safety import State, assess, backup_database
from ..persistence.server import AUDIT_CHAIN_LOCK_KEY
from ..persistence.server_tools import server_check_connection
from .audit import AuditService
from .base import Actor
from .record_checks import audit_chain_problems, signed_session_problems

#: Rows copied per statement: large enough to be quick, small enough to show progress.
BATCH_ROWS = 5000
#: Tables the migrations fill with the app's defaults; the clinic's own replace them.
SEEDED_TABLES = frozenset({"contraindication_rules", "zone_guidance"})


class TransferRefused(DomainError):
    """The transfer was not started, or was undone as a whole; the target is unchanged."""


@dataclass
class TransferReport:
    source: Path
    target: str
    #: (table, rows in the file, rows on the server)
    tables: list[tuple[str, int, int]] = field(default_factory=list)
    signed_sessions: int = 0
    #: The newest audit entry, as "ID:HASH", on both sides.
    audit_head: str = ""
    problems: list[str] = field(default_factory=list)
    #: The target's entry recording the move (after the checks), as "ID:HASH".
    recorded_as: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def transfer(source: Path, target: Location, *, username: str | None, password: str | None,
             progress: Callable[[str], None] = lambda _line: None,
             clock: Callable[[], datetime] = datetime.now) -> TransferReport:
    """Copy the clinic in the SQLite file `source` into the empty server database
    `target`, check it, and record the move there. A file with practitioner accounts
    needs an administrator's `username` and `password`. Raises TransferRefused,
    PermissionDenied or SignInRefused (nothing written) or a StorageError."""
    source = Path(source)
    found = assess(source)
    if found.state is State.NEW:
        raise TransferRefused(f"There is no clinic database at {source} to transfer.")
    if not found.usable:
        raise TransferRefused(f"{found.message()} Nothing was transferred.")
    if not target.is_server:
        raise TransferRefused("--to must name a server database: "
                              "postgresql://USER@HOST[:PORT]/DBNAME.")
    report = TransferReport(source, target.shown)
    with _readable_copy(source, progress) as readable:
        reader = create_engine(f"sqlite:///file:{readable}?mode=ro&uri=true",
                               hide_parameters=True)
        try:
            with reader.connect() as snapshot:
                snapshot.exec_driver_sql("BEGIN")  # one consistent read of every table
                admin = _administrator(snapshot, username, password)
                progress(f"Creating the schema on {target.shown} (if needed)…")
                database = Database(target)
                try:
                    _copy_all(snapshot, database.engine, report, progress)
                    source_head = _audit_head(snapshot)
                finally:
                    database.close()
        finally:
            reader.dispose()
    _verify(target, report, source_head, progress)
    if report.ok:
        report.recorded_as = _record(target, report, admin, clock)
    return report


@contextmanager
def _readable_copy(source: Path, progress) -> Iterator[Path]:
    """`source` itself when it is at this version's schema; else an upgraded copy in a
    private temporary folder (the file is never migrated in place)."""
    if migrator.current_revision(source) == migrator.HEAD_REVISION:
        yield source
        return
    folder = Path(tempfile.mkdtemp(prefix="practitioner-transfer-"))
    try:
        progress("The file is from an older version: upgrading a copy of it…")
        copy = backup_database(source, folder / "source.sqlite3")
        migrator.migrate(copy, folder)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _administrator(snapshot, username: str | None, password: str | None) -> str:
    """Who moves the records: an administrator of the file, checked without writing to it
    (no sign-in entry, no attempt counter: the file stays as it is)."""
    accounts = snapshot.execute(select(func.count()).select_from(UserRecord)).scalar()
    if not accounts:
        return "command line"
    if not username:
        raise PermissionDenied("this database has practitioner accounts: an administrator "
                               "transfers it; name yours with --user NAME")
    users = UserRecord.__table__
    record = snapshot.execute(select(users).where(users.c.username == username)
                              ).mappings().first()
    refused = SignInRefused("Wrong username or password.")
    if record is None:
        raise refused
    try:
        PasswordHasher().verify(record["password_hash"], password or "")
    except (VerificationError, InvalidHashError):
        raise refused from None
    if not record["active"]:
        raise refused
    if not record["is_admin"]:
        raise PermissionDenied("only an administrator may transfer the clinic's records")
    return username


def _copy_all(snapshot, engine: Engine, report: TransferReport, progress) -> None:
    tables = Base.metadata.sorted_tables
    with engine.begin() as target:
        # One writer: no workstation appends to the audit trail while it is copied in.
        target.exec_driver_sql(f"SELECT pg_advisory_xact_lock({AUDIT_CHAIN_LOCK_KEY})")
        holding = [t.name for t in tables if t.name not in SEEDED_TABLES and
                   target.execute(select(func.count()).select_from(t)).scalar()]
        if holding:
            raise TransferRefused(
                f"The server database already holds records ({', '.join(holding)}); a "
                "clinic is transferred only into a new, empty database. Nothing was copied.")
        # The triggers refuse zone rows of a signed session; they come back, as defined,
        # before this transaction commits.
        triggers.drop_all(target)
        for table in reversed(tables):
            if table.name in SEEDED_TABLES:
                target.execute(table.delete())
        for table in tables:
            total = snapshot.execute(select(func.count()).select_from(table)).scalar()
            copied = 0
            order = list(table.primary_key.columns)
            rows = snapshot.execution_options(yield_per=BATCH_ROWS).execute(
                select(table).order_by(*order))
            for batch in rows.mappings().partitions(BATCH_ROWS):
                target.execute(insert(table), [dict(row) for row in batch])
                copied += len(batch)
                if total > BATCH_ROWS:
                    progress(f"  {table.name}: {copied:,} of {total:,} rows")
            if "id" in table.c:
                target.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)")
            progress(f"Copied {table.name}: {copied:,} rows")
            report.tables.append((table.name, total, 0))
        triggers.create_all(target)
        # Planner statistics now, not whenever autovacuum next looks: without them the
        # first searches on the server plan for a nearly empty table.
        target.exec_driver_sql("ANALYZE")


def _audit_head(connection) -> str:
    row = connection.execute(select(AuditRecord.id, AuditRecord.hash)
                             .order_by(AuditRecord.id.desc()).limit(1)).first()
    return "" if row is None else f"{row[0]}:{row[1]}"


def _verify(target: Location, report: TransferReport, source_head: str, progress) -> None:
    progress("Checking the server database…")
    database = Database(target)
    try:
        with database.engine.connect() as connection:
            counted = []
            for name, in_file, _ in report.tables:
                on_server = connection.execute(
                    text(f"SELECT count(*) FROM {name}")).scalar()
                counted.append((name, in_file, on_server))
                if on_server != in_file:
                    report.problems.append(f"{name}: {in_file:,} rows in the file, "
                                           f"{on_server:,} on the server")
            report.tables = counted
            report.audit_head = _audit_head(connection)
            report.signed_sessions = connection.exec_driver_sql(
                "SELECT count(*) FROM treatment_sessions WHERE signed_at IS NOT NULL").scalar()
    finally:
        database.close()
    if report.audit_head != source_head:
        report.problems.append(f"the newest audit entry is {report.audit_head or 'none'} on "
                               f"the server but {source_head or 'none'} in the file")
    with server_check_connection(target.url) as con:
        report.problems += [f"audit trail: {p}" for p in audit_chain_problems(con)]
        report.problems += [f"signed sessions: {p}" for p in signed_session_problems(con)]


def _record(target: Location, report: TransferReport, username: str, clock) -> str:
    database = Database(target)
    try:
        audit = AuditService(database.unit_of_work, clock=clock, actor=Actor(username))
        entry = audit.log(Action.TRANSFERRED, source=str(report.source.absolute()),
                          audit_head=report.audit_head,
                          rows={name: count for name, count, _ in report.tables})
        return f"{entry.id}:{entry.hash}"
    finally:
        database.close()
