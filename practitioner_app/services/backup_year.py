"""A year (or any stretch) of automatic backups and the retention ladder, simulated with an
injected clock: what the backups folder then costs beside the database, and whether every
backup the ladder keeps still restores and passes the check. For the benchmark runner and
the tests; the app itself never calls it.

    times = backup_times(datetime(2026, 1, 5, 9, 0).astimezone(), days=365)
    run = simulate_ladder(db, tmp / "backups", times, change=add_a_days_work)
    run.folder_size / run.database_size   # < 5
    for backup, report in check_every_backup(run.service, tmp / "scratch"): ...

`change(since, until)` is called before each backup made and must make the changes the
clinic would have made between the two times (through the app's services, on its own
connection); `since` is None before the first.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..persistence.sqlite_backup import fold_in_log
from .backup import (
    AUTO_BACKUP_INTERVAL,
    BackupInfo,
    BackupService,
    CheckReport,
    Retention,
    backups_to_keep,
)


def backup_times(start: datetime, *, days: int = 365, per_day: int = 16,
                 interval: timedelta = AUTO_BACKUP_INTERVAL,
                 weekdays: Sequence[int] = (0, 1, 2, 3, 4, 5)) -> list[datetime]:
    """When a clinic open on `weekdays` (Monday is 0) is backed up: `per_day` backups
    `interval` apart from `start`'s time of day, for `days` days from `start` (aware)."""
    return [start + timedelta(days=d) + k * interval
            for d in range(days) if (start + timedelta(days=d)).weekday() in weekdays
            for k in range(per_day)]


@dataclass(frozen=True, slots=True)
class LadderRun:
    service: BackupService  # on the database and the backups folder, with the last time
    database_size: int      # bytes: the database file (its write-ahead log folded in)
    folder_size: int        # bytes: every file in the backups folder
    made: int               # backups made
    kept: tuple[BackupInfo, ...]

    @property
    def ratio(self) -> float:
        return self.folder_size / self.database_size


def simulate_ladder(database: Path, backups_dir: Path, times: Sequence[datetime],
                    change: Callable[[datetime | None, datetime], None], *,
                    retention: Retention = Retention(), only_kept: bool = True,
                    progress: Callable[[int, int], None] | None = None) -> LadderRun:
    """Make an automatic backup of `database` into `backups_dir` at each of `times` (the
    service's clock says so), after `change` made that period's changes; the ladder and
    the store do what they do in the app after each.

    With `only_kept`, only the backups the ladder keeps at the end are made, each after
    the changes of the whole period since the one before: the folder ends as the full
    run leaves it (the same backups, the same pieces in the store; its free pages may
    differ), at a fraction of the time. `progress(done, total)` after each backup."""
    times = sorted(times)
    wanted = sorted(backups_to_keep(times, retention)) if only_kept else times
    now: list[datetime] = [wanted[0] if wanted else datetime.now().astimezone()]
    service = BackupService(database, backups_dir, clock=lambda: now[0],
                            retention=retention)
    since: datetime | None = None
    for done, when in enumerate(wanted, 1):
        change(since, when)
        now[0] = since = when
        service.back_up()
        if progress is not None:
            progress(done, len(wanted))
    service.close()
    return LadderRun(service, _size(database), folder_size(backups_dir), len(wanted),
                     tuple(b for b in service.list_backups() if b.kind == "automatic"))


def _size(database: Path) -> int:
    """The database's own size: its file, once the write-ahead log is folded in."""
    fold_in_log(database)
    return database.stat().st_size


def folder_size(folder: Path) -> int:
    """Bytes of every file under `folder`."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def check_every_backup(service: BackupService, scratch: Path
                       ) -> Iterator[tuple[BackupInfo, CheckReport]]:
    """Restore each automatic backup of `service`'s folder into a new database under
    `scratch` (as `practitioner-app restore` would, written out of the store when kept
    there) and run every check on it; the backups folder is not changed."""
    for backup in (b for b in service.list_backups() if b.kind == "automatic"):
        folder = Path(scratch)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        restored = BackupService(folder / "restored.sqlite3", folder / "backups")
        try:
            restored.restore(backup.path)
            yield backup, restored.check()
        finally:
            restored.close()
    shutil.rmtree(scratch, ignore_errors=True)
