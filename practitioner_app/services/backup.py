"""Nothing lost: automatic backups with a retention ladder, restore, and database checks.

Backups live in the backups folder beside the database (`paths.backups_dir`) and are made
with SQLite's online backup API, then checked with `PRAGMA integrity_check` before they get
their name (`persistence.safety.backup_database`). Automatic backups are named
`backup-YYYYMMDD-HHMMSS-ffffffZ.sqlite3` (UTC), so names sort by time and never collide;
only these are ever deleted, by the retention ladder. Files the migrator writes
(`before-migration-*`), safety copies taken before a restore (`before-restore-*`) and
damaged files set aside by a restore (`damaged-*`) are never deleted.

The newest automatic backups stay whole SQLite files: the one most likely wanted restores
fastest, opens in any SQLite tool, and depends on nothing else. An automatic backup made
more than `WHOLE_FOR` (an hour) before the newest is folded into the store
(`persistence.backup_store`, `older-backups.store`), which keeps each distinct 16 KiB piece
of all of them once, compressed: a year of the ladder then costs about one whole copy plus
the changes, instead of ~30 copies. A stored backup keeps its name; listing, verifying and
restoring treat it like the file it was (it is written out and checked first).

No Qt here: the windows call these methods from a worker thread, the CLI directly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..persistence import migrator
from ..persistence.assessment import look
from ..persistence.backup_store import STORE_NAME, BackupStore, StoredBackup
from ..persistence.safety import (
    UNFINISHED_RESTORE,
    Assessment,
    BackupError,
    DatabaseInUse,
    DatabaseLock,
    State,
    StorageError,
    assess,
    backup_database,
    claim_folder,
    connect,
    copy_into,
    foreign_key_problems,
    integrity_problems,
    known_revisions,
    private_folder,
    schema_revision,
)
from ..persistence.sqlite_backup import fold_in_log
from ..persistence.sqlite_checks import DataVersionWatch, FileReadError, SQLiteError
from . import check_parallel
from .check_runner import CheckCancelled, CheckProgress
from .record_checks import (
    audit_chain_problems,
    audit_tie_problems,
    signed_session_problems,
    trigger_problems,
)

__all__ = [
    "AUTO_BACKUP_INTERVAL", "CHECKS", "Assessment", "BackupError", "BackupInfo",
    "BackupService", "Check", "CheckReport", "DatabaseInUse", "DatabaseLock", "Retention",
    "RestoreResult", "State", "StorageError", "assess", "backups_to_keep",
]

#: An automatic backup is made at most this often while the database changes.
AUTO_BACKUP_INTERVAL = timedelta(minutes=30)
#: Automatic backups made within this time of the newest stay whole files; older ones are
#: folded into the deduplicated store (a clinician who notices a mistake mostly does so
#: within the hour, and restores then need nothing but the file).
WHOLE_FOR = timedelta(hours=1)

log = logging.getLogger(__name__)

_STAMP = "%Y%m%d-%H%M%S-%f"
_AUTO = re.compile(r"^backup-(\d{8}-\d{6}-\d{6})Z\.sqlite3$")
_BEFORE_RESTORE = re.compile(r"^before-restore-(\d{8}-\d{6}-\d{6})Z\.sqlite3$")
_BEFORE_MIGRATION = re.compile(r"^before-migration-.+-(\d{8}-\d{6}-\d{6})\.sqlite3$")  # local


# --- the retention ladder ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Retention:
    """Which automatic backups survive: the newest `last`, then the newest of each of the
    `daily` most recent days that have a backup, likewise `weekly` ISO weeks and `monthly`
    calendar months. Periods count only when they hold a backup, so a clinic closed for a
    month keeps its dailies: time passing alone never costs a backup."""

    last: int = 10
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def backups_to_keep(times: Iterable[datetime], retention: Retention = Retention()
                    ) -> set[datetime]:
    """The members of `times` (when each backup was made, local time) the ladder keeps."""
    newest_first = sorted(set(times), reverse=True)
    keep = set(newest_first[:retention.last])
    periods: tuple[tuple[Callable[[datetime], object], int], ...] = (
        (lambda t: t.date(), retention.daily),
        (lambda t: t.isocalendar()[:2], retention.weekly),
        (lambda t: (t.year, t.month), retention.monthly),
    )
    for period_of, count in periods:
        seen: set[object] = set()
        for made in newest_first:  # the first seen of a period is its newest backup
            period = period_of(made)
            if period in seen:
                continue
            if len(seen) == count:
                break
            seen.add(period)
            keep.add(made)
    return keep


# --- what is in the backups folder -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    made: datetime  # local time, timezone-aware
    kind: str       # "automatic", "before migration", "before restore" or "copy"
    size: int
    #: Kept in the backups folder's store (`older-backups.store`) under `path.name`
    #: rather than as the file `path`, which does not exist then.
    stored: bool = False

    @property
    def label(self) -> str:
        where = f" (in {STORE_NAME})" if self.stored else ""
        return f"{self.made:%Y-%m-%d %H:%M} — {self.kind} — {self.path.name}{where}"


def _utc_name_time(stamp: str) -> datetime:
    return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC).astimezone()


def describe_backup(path: Path) -> BackupInfo:
    """When and why the backup at `path` was made, from its name (else its file time)."""
    path = Path(path)
    name = path.name
    size = path.stat().st_size
    if m := _AUTO.match(name):
        return BackupInfo(path, _utc_name_time(m[1]), "automatic", size)
    if m := _BEFORE_RESTORE.match(name):
        return BackupInfo(path, _utc_name_time(m[1]), "before restore", size)
    if m := _BEFORE_MIGRATION.match(name):
        return BackupInfo(path, datetime.strptime(m[1], _STAMP).astimezone(),
                          "before migration", size)
    return BackupInfo(path, datetime.fromtimestamp(path.stat().st_mtime).astimezone(),
                      "copy", size)


# --- checks ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """One check of a database: `run` gets a read-only connection and returns the
    problems it found, in plain words ([] when all is well). A check that `reports`
    gets the run's `CheckProgress` too: it says how far it is and stops when the run is
    cancelled (any other check is stopped between checks, or by interrupting its
    statement)."""

    name: str
    run: Callable[..., list[str]]
    reports: bool = False

    def __call__(self, con, progress: CheckProgress) -> tuple[str, ...]:
        return tuple(self.run(con, progress) if self.reports else self.run(con))


def _schema_problems(con) -> list[str]:
    revision = schema_revision(con)
    if revision is None:
        return ["no schema version (alembic_version): not a practitioner-app database"]
    if revision != migrator.HEAD_REVISION and revision not in known_revisions():
        return [f"schema {revision} is newer than this app knows ({migrator.HEAD_REVISION})"]
    return []


#: Every check `practitioner-app check` and File ▸ Check database run, in order.
CHECKS: list[Check] = [
    Check("integrity", integrity_problems),
    Check("foreign keys", foreign_key_problems),
    Check("schema version", _schema_problems),
    Check("audit trail", audit_chain_problems, reports=True),
    Check("signed sessions", signed_session_problems, reports=True),
    Check("audit ties", audit_tie_problems, reports=True),
    Check("protective triggers", trigger_problems),
]


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    problems: tuple[str, ...]


_RESTORE_ADVICE = ("Restore the newest good backup (File ▸ Restore from backup…, or "
                   "'practitioner-app restore FILE').")
_CANCELLED_ADVICE = ("The check was cancelled before it finished, so it does not say "
                     "whether the database is sound: run it again to the end.")


@dataclass(frozen=True, slots=True)
class CheckReport:
    #: The file checked, or a server database as shown to people (never its password).
    database: Path | str
    results: tuple[CheckResult, ...]
    #: What to do about the problems found ("" when there are none).
    remedy: str = _RESTORE_ADVICE
    #: The check that was running when the run was cancelled (None: every check ran),
    #: and those that did not run after it.
    cancelled: str | None = None
    not_run: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every check ran to the end and found nothing."""
        return self.cancelled is None and not any(r.problems for r in self.results)

    def lines(self) -> list[str]:
        """One line per check ("integrity: ok"), each problem indented below it; after a
        cancelled run, the check cancelled and those not run."""
        out = []
        for result in self.results:
            out.append(f"{result.name}: " + (
                "ok" if not result.problems else f"{len(result.problems)} problem(s)"))
            out += [f"  {problem}" for problem in result.problems[:50]]
            if len(result.problems) > 50:
                out.append(f"  … and {len(result.problems) - 50} more")
        if self.cancelled is not None:
            out.append(f"{self.cancelled}: cancelled before it finished")
            out += [f"{name}: not run" for name in self.not_run]
        return out


def run_checks(database: Path | str, con, checks: Iterable[Check], progress: CheckProgress,
               failures: tuple[type[Exception], ...], *, remedy: str = _RESTORE_ADVICE,
               after_failure: Callable[[], object] = lambda: None,
               at_once: tuple[tuple, str] | None = None) -> CheckReport:
    """Each check in turn on `con`, telling `progress` which runs; a check failing with
    one of `failures` is reported as not run and the next runs (after `after_failure`).
    When `progress` is cancelled, the report says which check was stopped and which did
    not run: never that the database is sound.

    With `at_once` (how a worker opens the database, and which list `checks` is: see
    services/check_parallel.py), a large database's checks run in several processes,
    with the same report."""
    checks = list(checks)
    if at_once is not None and check_parallel.workers() > 1 and (
            check_parallel.rows_to_verify(con) >= check_parallel.PARALLEL_FROM):
        return _run_at_once(database, con, checks, progress, remedy, *at_once)
    results = []
    for number, check in enumerate(checks, 1):
        try:
            progress.begin(check.name, number, len(checks))
            problems = check(con, progress)
            progress.check_cancelled()  # a statement interrupted may look like an answer
        except CheckCancelled:
            return CheckReport(database, tuple(results), _CANCELLED_ADVICE, check.name,
                               tuple(c.name for c in checks[number:]))
        except failures as error:
            if progress.cancelled:  # the interrupted statement's own error
                return CheckReport(database, tuple(results), _CANCELLED_ADVICE, check.name,
                                   tuple(c.name for c in checks[number:]))
            after_failure()
            problems = (f"could not be run: {' '.join(str(error).split())}",)
        results.append(CheckResult(check.name, problems))
    return CheckReport(database, tuple(results), remedy)



def _run_at_once(database: Path | str, con, checks: list[Check], progress: CheckProgress,
                 remedy: str, opener: tuple, checks_of: str) -> CheckReport:
    names = [c.name for c in checks]
    processes = check_parallel.workers()
    tasks = check_parallel.plan(con, names, processes)
    progress.together([], 0.0)
    outcome = check_parallel.run(tasks, opener, checks_of, progress, processes)
    results = [CheckResult(name, problems) for name, problems
               in check_parallel.assemble(tasks, outcome, names)]
    if outcome.cancelled:  # the checks finished whole are told; never "sound"
        unfinished = [r.name for r in results if r.problems is None]
        return CheckReport(database, tuple(r for r in results if r.problems is not None),
                           _CANCELLED_ADVICE, unfinished[0], tuple(unfinished[1:]))
    return CheckReport(database, tuple(results), remedy)

# --- the service -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RestoreResult:
    restored_from: Path
    made: datetime
    #: The schema revision the backup had, when it was older and was upgraded.
    migrated_from: str | None
    #: The current database, backed up just before it was replaced (when it was sound).
    safety_copy: Path | None
    #: The damaged or foreign file moved aside, untouched, instead of being overwritten.
    set_aside: Path | None = None


class BackupService:
    """Backups of the database at `db_path` into `backups_dir`, restores and checks.

    `before_replace` is called just before a restore writes the database (the app passes
    the engine's `dispose`, so no pooled connection holds the old pages). A restore must be
    made while holding the database's `DatabaseLock` (the app and the CLI do).
    Thread-safe: backups and restores run one at a time.
    """

    def __init__(self, db_path: Path, backups_dir: Path, *,
                 clock: Callable[[], datetime] = datetime.now,
                 before_replace: Callable[[], None] | None = None,
                 retention: Retention = Retention(),
                 interval: timedelta = AUTO_BACKUP_INTERVAL) -> None:
        self.db_path = Path(db_path)
        self.backups_dir = Path(backups_dir)
        self._clock = clock
        self._before_replace = before_replace or (lambda: None)
        self.retention = retention
        self.interval = interval
        self._mutex = threading.RLock()
        self._watch = DataVersionWatch(self.db_path)
        self._seen: int | None = None
        self._changed = True  # until watching starts, assume there is something to save
        self.store = BackupStore(self.backups_dir / STORE_NAME)
        #: Whether `start_watching` found changes no automatic backup holds (a backup
        #: cut off by a shutdown, a command's changes, a crash): the window then makes
        #: one in the background after sign-in.
        self.unbacked_at_start = False

    # -- noticing changes cheaply ---------------------------------------------------------
    def start_watching(self) -> None:
        """From now on, `has_changes()` tells whether anything was committed (by any
        connection or process) since the last automatic backup. Costs one idle read-only
        connection and one `PRAGMA data_version` per question.

        Changes from before (see `unbacked_changes`) count as changes: call this as the
        database opens, before this session writes anything."""
        with self._mutex:
            # Without any automatic backup yet, closing makes the first one.
            self.unbacked_at_start = (self.newest_automatic() is not None
                                      and self.unbacked_changes())
            self._seen = self._data_version()
            self._changed = self.unbacked_at_start

    def unbacked_changes(self) -> bool:
        """Whether the database may hold changes that no automatic backup holds: its
        file, or a write-ahead log with anything in it, has a modification time no older
        than the time the newest automatic backup's data is as of (a whole backup's file
        time is set to the moment its copy began; the store keeps it). Two `stat`s and a
        look at the backups folder's names: the file is never read. Errs on the side of
        a backup: a checkpoint after the backup also counts as a change."""
        try:
            found = self.db_path.stat()
        except OSError:
            return False
        newest = self.newest_automatic()
        if newest is None:
            return True
        changed = found.st_mtime_ns
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        with contextlib.suppress(OSError):
            logged = wal.stat()
            if logged.st_size:
                changed = max(changed, logged.st_mtime_ns)
        try:
            as_of = self._data_as_of(newest)
        except OSError:
            return True
        return changed >= as_of

    def _data_as_of(self, backup: BackupInfo) -> int:
        if backup.stored:
            stored = self.store.get(backup.path.name)
            if stored is None:
                raise FileNotFoundError(backup.path)
            return stored.data_as_of_ns
        return backup.path.stat().st_mtime_ns

    def _data_version(self) -> int | None:
        return self._watch.version()

    def has_changes(self) -> bool:
        with self._mutex:
            version = self._data_version()
            if version != self._seen:
                self._changed, self._seen = True, version
            return self._changed

    # -- making backups -------------------------------------------------------------------
    def back_up(self, target: Path | None = None) -> Path:
        """Back up now: to `target` (never replacing an existing file), or by default as
        the next automatic backup, after which the ladder is applied. Returns the file.
        Raises StorageError (disk full, read-only, …) or BackupError."""
        with self._mutex:
            if target is not None:
                return backup_database(self.db_path, Path(target))
            return self._automatic()

    def backup_if_due(self) -> Path | None:
        """The timer's question: back up if the database changed and the newest automatic
        backup is at least `interval` old. Returns the new backup, or None."""
        with self._mutex:
            if not self.has_changes():
                return None
            newest = self.newest_automatic()
            now = self._clock().astimezone()
            if newest is not None and now - newest.made < self.interval:
                return None
            return self._automatic()

    def backup_if_changed(self) -> Path | None:
        """On closing: back up if anything changed since the last automatic backup (or
        there is none yet). Returns the new backup, or None."""
        with self._mutex:
            if not self.db_path.exists():
                return None
            if not self.has_changes() and self.newest_automatic() is not None:
                return None
            return self._automatic()

    def _automatic(self) -> Path:
        version = self._data_version()
        made = self._clock().astimezone(UTC)
        # Closing the database later then has nothing to write into its file, whose
        # time therefore stays older than this backup's (see `unbacked_changes`).
        fold_in_log(self.db_path)
        while True:
            target = self.backups_dir / f"backup-{made:{_STAMP}}Z.sqlite3"
            try:
                backup_database(self.db_path, target)
                break
            except FileExistsError:  # the same microsecond: the next one is free
                made += timedelta(microseconds=1)
        self._seen, self._changed = version, False
        self.prune()
        self.fold_older()
        return target

    def prune(self) -> list[Path]:
        """Apply the retention ladder to the automatic backups (whole files and those in
        the store); returns those deleted. Never touches any other file."""
        with self._mutex:
            automatic = [b for b in self.list_backups() if b.kind == "automatic"]
            keep = backups_to_keep((b.made for b in automatic), self.retention)
            deleted, unstore = [], []
            for backup in automatic:
                if backup.made not in keep:
                    if backup.stored:
                        unstore.append(backup.path.name)
                    else:
                        backup.path.unlink(missing_ok=True)
                    deleted.append(backup.path)
            try:
                self.store.remove(unstore)
            except StorageError as error:  # kept for now; the next backup prunes again
                log.warning("Backups not removed from the store: %s", error)
                return [p for p in deleted if p.name not in unstore]
            return deleted

    def fold_older(self) -> list[Path]:
        """Fold every whole automatic backup made more than `WHOLE_FOR` before the newest
        into the store, then delete its file; returns those folded. A backup that cannot
        be stored (disk full, …) stays a whole file, is logged, and is tried again with
        the next backup."""
        with self._mutex:
            automatic = [b for b in self.list_backups() if b.kind == "automatic"]
            if not automatic:
                return []
            newest = automatic[0].made
            folded = []
            for backup in automatic[1:]:
                if backup.stored or newest - backup.made < WHOLE_FOR:
                    continue
                try:
                    as_of = backup.path.stat().st_mtime_ns
                    self.store.add(backup.path, backup.path.name,
                                   backup.made.astimezone(UTC).isoformat(), as_of)
                except (OSError, StorageError) as error:
                    log.warning("Backup %s not folded into the store: %s",
                                backup.path.name, error)
                    break
                backup.path.unlink(missing_ok=True)
                folded.append(backup.path)
            return folded

    # -- what there is --------------------------------------------------------------------
    def list_backups(self) -> list[BackupInfo]:
        """Every backup in the backups folder, newest first (damaged files set aside by a
        restore are not backups and are left out)."""
        if not self.backups_dir.is_dir():
            return []
        found = []
        for path in self.backups_dir.glob("*.sqlite3"):
            if path.name.startswith("damaged-") or not path.is_file():
                continue
            try:
                found.append(describe_backup(path))
            except OSError:  # removed meanwhile
                continue
        whole = {b.path.name for b in found}
        try:
            stored = self.store.entries()
        except (sqlite3.Error, OSError) as error:  # a damaged store hides no whole file
            log.warning("The backup store %s cannot be read: %s", self.store.path, error)
            stored = []
        found += [self._stored_info(entry) for entry in stored if entry.name not in whole]
        return sorted(found, key=lambda b: (b.made, b.path.name), reverse=True)

    def _stored_info(self, entry: StoredBackup) -> BackupInfo:
        return BackupInfo(self.backups_dir / entry.name,
                          datetime.fromisoformat(entry.made).astimezone(), "automatic",
                          entry.size, stored=True)

    def locate(self, path: Path) -> BackupInfo | None:
        """The backup at `path`: a file, or one kept under that name in the store of the
        folder `path` names (a copy of the backups folder on a USB disk works too) or,
        for a bare name, of this database's backups folder; None if neither."""
        path = Path(path)
        if path.is_file():
            return describe_backup(path)
        store = self._store_for(path)
        try:
            entry = store.get(path.name)
        except (sqlite3.Error, OSError):
            return None
        if entry is None:
            return None
        found = self._stored_info(entry)
        return found if store is self.store else BackupInfo(
            path, found.made, found.kind, found.size, stored=True)

    def _store_for(self, path: Path) -> BackupStore:
        if path.parent == Path(".") or path.parent.resolve() == self.backups_dir.resolve():
            return self.store
        return BackupStore(path.parent / STORE_NAME)

    @contextlib.contextmanager
    def _whole(self, path: Path):
        """The backup at `path` as a whole file: `path` itself, or written out of the store
        into an owner-only working folder (removed afterwards) and checked piece by piece.
        Raises BackupError when there is no such backup or it is damaged."""
        path = Path(path)
        if path.is_file():
            yield path
            return
        found = self.locate(path)
        if found is None:
            raise BackupError(f"There is no backup file {path}.")
        private_folder(self.backups_dir)
        stage = Path(tempfile.mkdtemp(prefix=UNFINISHED_RESTORE, dir=self.backups_dir))
        claim = claim_folder(stage)
        try:
            yield self._store_for(path).write_out(found.path.name, stage / found.path.name)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
            if claim is not None:
                os.close(claim)

    def newest_automatic(self) -> BackupInfo | None:
        return next((b for b in self.list_backups() if b.kind == "automatic"), None)

    def verify(self, path: Path) -> str:
        """Check that `path` can be restored: a sound SQLite file (integrity_check) that is
        one of our databases, at a schema revision this app knows. Returns the revision;
        raises BackupError saying what is wrong."""
        path = Path(path)
        if not path.is_file():
            with self._whole(path) as whole:
                try:
                    return self.verify(whole)
                except BackupError as error:  # named as the user knows it
                    raise BackupError(str(error).replace(str(whole), str(path))) from error
        try:
            with connect(path, "ro") as con:
                problems = integrity_problems(con)
                revision = None if problems else schema_revision(con)
        except FileReadError as error:
            what = "is not a database" if "not a database" in str(error) else "is damaged"
            raise BackupError(f"{path} {what} ({error}); nothing was restored.") from error
        if problems:
            raise BackupError(f"{path} is damaged (integrity check: {'; '.join(problems[:3])});"
                              " nothing was restored.")
        if revision is None:
            raise BackupError(f"{path} is not a practitioner-app database (it has no schema "
                              "version); nothing was restored.")
        if revision != migrator.HEAD_REVISION and revision not in known_revisions():
            raise BackupError(f"{path} was made by a newer version of the app (schema "
                              f"{revision}); update the app first. Nothing was restored.")
        return revision

    def newest_good_backup(self) -> BackupInfo | None:
        """The newest backup that passes `verify`, or None."""
        for backup in self.list_backups():
            try:
                self.verify(backup.path)
            except StorageError:
                continue
            return backup
        return None

    # -- restoring ------------------------------------------------------------------------
    def restore(self, source: Path) -> RestoreResult:
        """Replace the database with the backup `source`.

        In order: `source` is verified; a checked copy of it is made and upgraded to the
        current schema if older (on the copy, so a failed upgrade changes nothing); the
        current database is backed up (`before-restore-*`) or, when it is damaged or not a
        database, moved aside untouched (`damaged-*`); then the copy's contents are written
        in. A backup kept in the store is written out and checked first. Raises
        BackupError / StorageError, in which case the database is unchanged.
        """
        given = Path(source)
        with self._mutex:
            if given.resolve() == self.db_path.resolve():
                raise BackupError("That is the database itself; choose a backup file.")
            found = self.locate(given)
            if found is None:
                raise BackupError(f"There is no backup file {given}.")
            source = found.path if found.stored else given.resolve()
            with self._whole(source) as whole:
                return self._restore(source, whole, found.made)

    def _restore(self, source: Path, whole: Path, made: datetime) -> RestoreResult:
        with self._mutex:
            try:
                revision = self.verify(whole)
            except BackupError as error:  # named as the user knows it
                if whole == source:
                    raise
                raise BackupError(str(error).replace(str(whole), str(source))) from error
            current = assess(self.db_path)
            if current.state is State.UNREADABLE:
                raise StorageError(current.message() + " Nothing was restored.")
            private_folder(self.backups_dir)
            # An owner-only working folder, named for what it is and locked while in use,
            # so a restore that is killed leaves nothing the next start does not remove.
            stage = Path(tempfile.mkdtemp(prefix=UNFINISHED_RESTORE, dir=self.backups_dir))
            claim = claim_folder(stage)
            try:
                staged = backup_database(whole, stage / "restoring.sqlite3")
                migrated_from = None
                if revision != migrator.HEAD_REVISION:
                    try:
                        migrator.migrate(staged, stage)
                    except migrator.MigrationError as error:
                        raise BackupError(f"{source.name} could not be upgraded to this "
                                          f"version of the app: {error}") from error
                    migrated_from = revision
                self._release_connections()
                stamp = f"{self._clock().astimezone(UTC):{_STAMP}}Z"
                safety_copy = set_aside = None
                if current.state is State.OK:
                    safety_copy = backup_database(
                        self.db_path, self.backups_dir / f"before-restore-{stamp}.sqlite3")
                    copy_into(staged, self.db_path)
                else:  # new, damaged, not a database, not ours: keep whatever is there
                    set_aside = self._set_aside(stamp)
                    shutil.move(staged, self.db_path)
            finally:
                shutil.rmtree(stage, ignore_errors=True)
                if claim is not None:
                    os.close(claim)
            after = assess(self.db_path)
            if after.state is not State.OK:
                raise BackupError(f"After restoring, {after.message()}")
            self._changed = True  # the next automatic backup holds the restored records
            return RestoreResult(source, made, migrated_from, safety_copy, set_aside)

    def _set_aside(self, stamp: str) -> Path | None:
        """Move the database file (and its -wal/-shm) into the backups folder untouched;
        None when there was nothing worth keeping (no file, or an empty one)."""
        db = self.db_path
        aside = self.backups_dir / f"damaged-{stamp}.sqlite3"
        parts = [(db.with_name(db.name + s), aside.with_name(aside.name + s))
                 for s in ("", "-wal", "-shm")]
        worth_keeping = any(p.exists() and p.stat().st_size for p, _ in parts)
        for current, target in parts:
            if current.exists():
                if worth_keeping:
                    shutil.move(current, target)
                else:
                    current.unlink()
        return aside if worth_keeping else None

    def _release_connections(self) -> None:
        self._before_replace()
        self.close()

    # -- checking -------------------------------------------------------------------------
    def check(self, checks: Iterable[Check] | None = None,
              progress: CheckProgress | None = None) -> CheckReport:
        """Run every check in CHECKS (or `checks`) on the database, read-only, telling
        `progress` how far they are; cancelling it stops them (the report then says
        so). The file is only looked at first: its integrity is the first check."""
        progress = CheckProgress() if progress is None else progress
        current = look(self.db_path)
        if current.state is State.NEW and not self.db_path.exists():
            return CheckReport(self.db_path, (CheckResult(
                "database file", (f"there is no database at {self.db_path}",)),),
                "Check the path given with --db.")
        if current.state is State.UNREADABLE:
            return CheckReport(self.db_path, (CheckResult("database file", (current.message(),)),),
                               "Make the file and its folder readable and writable for this "
                               "user, then check again.")
        if current.state is State.NOT_A_DATABASE:
            return CheckReport(self.db_path,
                               (CheckResult("database file", (current.message(),)),))
        with connect(self.db_path, "ro") as con:
            # SQLite asks this every few thousand steps of a statement: a cancelled run
            # stops even PRAGMA integrity_check, which no row loop of ours sees.
            con.set_progress_handler(lambda: progress.cancelled, 10_000)
            return run_checks(self.db_path, con, CHECKS if checks is None else checks,
                              progress, (SQLiteError,), at_once=None if checks is not None
                              else (("file", str(self.db_path)), "file"))

    def assess(self) -> Assessment:
        """The cheap start-up look at the database (`PRAGMA quick_check`)."""
        return assess(self.db_path)

    def close(self) -> None:
        """Close the change-watching connection (it reopens when next needed)."""
        with self._mutex:
            self._watch.close()
            self._seen = None
