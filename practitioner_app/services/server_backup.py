"""Backups, restores and checks of a database on the clinic's PostgreSQL server.

A backup is a `pg_dump` custom-format file, checked with `pg_restore --list` before it
gets its name, in this workstation's backups folder for that database or where `-o`
says. The app never replaces the server administrator's own backups (a scheduled
`pg_dump`, or PostgreSQL's base backups with WAL archiving; see the README): a
workstation closing makes no automatic backup of a server database, since any number of
workstations close many times a day and the server's backup is the clinic's. Quitting
therefore never waits for one, and there is no change "without a backup" for a start to
catch up on.

`backup` without `-o` (what a scheduled task runs) writes `backup-<UTC time>.dump` into the
folder and then applies the retention ladder (`Retention`) to those dumps, so a scheduled
backup does not fill the disk. A dump is compressed already (zlib, custom format) and
several times smaller than the database on the server, so the ladder's ~30 dumps stay
below five times the database's size without folding them into a store.

Same interface as `BackupService`, so the windows and the command line need not know.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..domain.location import Location
from ..persistence import migrator
from ..persistence.models import Base
from ..persistence.safety import Assessment, BackupError, State, known_revisions
from ..persistence.server_tools import (
    ServerCheckConnection,
    dump_database,
    restore_dump,
    server_check_connection,
    verify_dump,
)
from .backup import (
    BackupInfo,
    Check,
    CheckReport,
    RestoreResult,
    Retention,
    backups_to_keep,
    run_checks,
)
from .check_runner import CheckProgress
from .record_checks import (
    audit_chain_problems,
    audit_tie_problems,
    signed_session_problems,
    trigger_problems,
)

_STAMP = "%Y%m%d-%H%M%S-%f"
_AUTO = re.compile(r"^backup-(\d{8}-\d{6}-\d{6})Z\.dump$")
DUMP_SUFFIX = ".dump"


def _schema_problems(con: ServerCheckConnection) -> list[str]:
    if con.execute("SELECT to_regclass('alembic_version')").fetchone()[0] is None:
        return ["no schema version (alembic_version): not a practitioner-app database"]
    revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    if revision != migrator.HEAD_REVISION and revision not in known_revisions():
        return [f"schema {revision} is newer than this app knows ({migrator.HEAD_REVISION})"]
    return []


def _foreign_key_problems(con: ServerCheckConnection) -> list[str]:
    """Rows whose reference points at nothing (the server enforces references, unless
    someone disabled its triggers to load data)."""
    problems = []
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_key_constraints:
            child = ", ".join(f"c.{c.name}" for c in key.columns)
            join = " AND ".join(f"p.{e.column.name} = c.{e.parent.name}" for e in key.elements)
            present = " AND ".join(f"c.{c.name} IS NOT NULL" for c in key.columns)
            parent = key.referred_table.name
            first = key.elements[0].column.name
            for row in con.execute(
                    f"SELECT {child} FROM {table.name} c LEFT JOIN {parent} p ON {join} "
                    f"WHERE {present} AND p.{first} IS NULL LIMIT 50"):
                problems.append(f"{table.name} row refers to a missing {parent} row "
                                f"({', '.join(map(str, row))})")
    return problems


#: What `check` runs on a server database. The server keeps its own storage sound, so
#: there is no file integrity check here; the rest are the same as on a file.
SERVER_CHECKS: list[Check] = [
    Check("schema version", _schema_problems),
    Check("foreign keys", _foreign_key_problems),
    Check("audit trail", audit_chain_problems, reports=True),
    Check("signed sessions", signed_session_problems, reports=True),
    Check("audit ties", audit_tie_problems, reports=True),
    Check("protective triggers", trigger_problems),
]


class ServerBackupService:
    """`BackupService`'s interface for a server database."""

    #: Nothing is ever found unbacked at start: the server's backups are its own.
    unbacked_at_start = False

    def __init__(self, location: Location, backups_dir: Path, *,
                 clock: Callable[[], datetime] = datetime.now,
                 retention: Retention = Retention()) -> None:
        self.location = location
        self.db_path = None
        self.backups_dir = Path(backups_dir)
        self._clock = clock
        self._mutex = threading.RLock()
        self.retention = retention

    # -- automatic backups are the server administrator's ----------------------------------
    def start_watching(self) -> None:
        pass

    def has_changes(self) -> bool:
        return False

    def backup_if_due(self) -> Path | None:
        return None

    def backup_if_changed(self) -> Path | None:
        return None

    def prune(self) -> list[Path]:
        """Apply the retention ladder to the dumps `back_up` wrote into the folder
        (`backup-<UTC time>.dump`); returns those deleted. Never touches other files."""
        with self._mutex:
            automatic = [b for b in self.list_backups() if _AUTO.match(b.path.name)]
            keep = backups_to_keep((b.made for b in automatic), self.retention)
            deleted = []
            for backup in automatic:
                if backup.made not in keep:
                    backup.path.unlink(missing_ok=True)
                    deleted.append(backup.path)
            return deleted

    # -- making backups -------------------------------------------------------------------
    def back_up(self, target: Path | None = None) -> Path:
        """A pg_dump of the server database into `target` (never replacing a file) or
        the backups folder. Raises BackupError or StorageError."""
        with self._mutex:
            if target is not None:
                return dump_database(self.location.url, Path(target))
            made = self._clock().astimezone(UTC)
            while True:
                name = f"backup-{made:{_STAMP}}Z{DUMP_SUFFIX}"
                try:
                    written = dump_database(self.location.url, self.backups_dir / name)
                    break
                except FileExistsError:
                    made += timedelta(microseconds=1)
            self.prune()
            return written

    def list_backups(self) -> list[BackupInfo]:
        if not self.backups_dir.is_dir():
            return []
        found = []
        for path in self.backups_dir.glob(f"*{DUMP_SUFFIX}"):
            if m := _AUTO.match(path.name):
                made = datetime.strptime(m[1], _STAMP).replace(tzinfo=UTC).astimezone()
                found.append(BackupInfo(path, made, "backup", path.stat().st_size))
        return sorted(found, key=lambda b: (b.made, b.path.name), reverse=True)

    def newest_automatic(self) -> BackupInfo | None:
        return None

    def locate(self, path: Path) -> BackupInfo | None:
        """The dump at `path`, or None when there is no such file."""
        path = Path(path)
        if not path.is_file():
            return None
        found = next((b for b in self.list_backups() if b.path == path), None)
        return found or BackupInfo(path, datetime.fromtimestamp(
            path.stat().st_mtime).astimezone(), "copy", path.stat().st_size)

    def verify(self, path: Path) -> str:
        """Check that `path` is a whole pg_dump file of one of our databases; returns
        "server dump". Raises BackupError saying what is wrong."""
        path = Path(path)
        if not path.is_file():
            raise BackupError(f"There is no backup file {path}.")
        entries = verify_dump(path)
        if not any(" alembic_version " in line for line in entries):
            raise BackupError(f"{path} is not a backup of a practitioner-app database (it "
                              "has no schema version); nothing was restored.")
        return "server dump"

    def newest_good_backup(self) -> BackupInfo | None:
        for backup in self.list_backups():
            try:
                self.verify(backup.path)
            except BackupError:
                continue
            return backup
        return None

    # -- restoring ------------------------------------------------------------------------
    def restore(self, source: Path) -> RestoreResult:
        """Restore the pg_dump file `source` into the server database, which must hold
        no records (restore into a new, empty database; the app never drops a clinic's
        tables). All of it is restored in one transaction, or nothing."""
        source = Path(source).resolve()
        with self._mutex:
            self.verify(source)
            with server_check_connection(self.location.url) as con:
                tables = con.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                ).fetchone()[0]
            if tables:
                raise BackupError(
                    f"The server database {self.location.name} is not empty; a backup is "
                    "restored only into a new, empty database (create one, then restore "
                    "into it with --db). Nothing was restored.")
            restore_dump(source, self.location.url)
            made = datetime.fromtimestamp(source.stat().st_mtime).astimezone()
            return RestoreResult(source, made, None, None)

    # -- checking -------------------------------------------------------------------------
    def check(self, checks: Iterable[Check] | None = None,
              progress: CheckProgress | None = None) -> CheckReport:
        """Run every check in SERVER_CHECKS (or `checks`) in a read-only transaction,
        telling `progress` how far they are; cancelling it stops them (the server is
        asked to cancel the statement running) and the report says so."""
        progress = CheckProgress() if progress is None else progress
        with server_check_connection(self.location.url) as con:
            stop = progress.on_cancel(con._raw.cancel)
            try:
                # One failing check must not hide the others: its transaction is rolled
                # back and the next check runs.
                return run_checks(
                    self.location.shown, con,
                    SERVER_CHECKS if checks is None else checks, progress, (Exception,),
                    remedy="Restore the newest good backup into a new, empty server "
                           "database (practitioner-app --db URL restore FILE).",
                    after_failure=con._raw.rollback, at_once=None if checks is not None
                    else (("server", self.location.url), "server"))
            finally:
                stop()

    def assess(self) -> Assessment:
        return Assessment(Path(self.location.shown), State.OK)

    def close(self) -> None:
        pass
