"""What a real archive costs: the figures of the growth table that are not start-up or
typing (tests/benchmarks/run.py measures those).

- the first start after the database file left the page cache (`evict`);
- read-only commands and `check` as whole processes, with their peak memory, beside a
  bare `PRAGMA integrity_check` of the same file by the sqlite3 program;
- signing a session, and the due list read;
- the backups folder after a simulated year of the retention ladder.

Nothing here asserts a time: the runner prints what it measured.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from tests.benchmarks import child
from tests.benchmarks.run import (
    BENCH_WORD,
    ROOT,
    Clinic,
    ServerConnection,
    _median_ms,
    _timed,
    child_environment,
    is_server,
)

#: GNU time: the peak memory of the command it runs, and of that command only (a process
#: started straight from the runner would inherit the runner's peak at exec).
GNU_TIME = Path("/usr/bin/time")


# --- The page cache -------------------------------------------------------------------------


def evict(db: Path) -> int:
    """Drop the database file (and its -wal and -shm) from the page cache, as after a
    reboot or a night of other work: the next read comes from the disk. Dirty pages are
    written first (fsync), since only clean pages can be dropped. Returns the bytes
    advised away. The app's own code stays cached, as it would on a workstation used
    daily; only the clinic's data is cold."""
    dropped = 0
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{db}{suffix}")
        with contextlib.suppress(FileNotFoundError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                dropped += os.fstat(fd).st_size
            finally:
                os.close(fd)
    return dropped


SERVER_EVICTION = (
    "not measured on a clinic server: its pages are cached by the server (shared buffers) "
    "and by the server machine's kernel, which the runner cannot empty without restarting "
    "a server it does not own; the workstation itself caches nothing of the database")


# --- Whole processes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Process:
    seconds: float
    peak_mb: float | None


def run_process(args: Sequence[str], env: dict[str, str]) -> Process:
    """Run `args` to its end: wall seconds from start to exit, measured here, and its peak
    resident memory (GNU time's maximum resident set size; None without GNU time).
    Raises RuntimeError if it fails."""
    report = None
    command = list(args)
    if GNU_TIME.exists():
        handle, report = tempfile.mkstemp(prefix="bench-time-")
        os.close(handle)
        command = [str(GNU_TIME), "-f", "%M", "-o", report, *command]
    try:
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=3600)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: "
                               f"{done.stderr[-2000:]}")
        peak = None
        if report is not None:
            text = Path(report).read_text().strip().splitlines()
            peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else None
        return Process(seconds, peak)
    finally:
        if report is not None:
            Path(report).unlink(missing_ok=True)


def cli_environment(workdir: Path) -> dict[str, str]:
    """The app's environment (child_environment), with the benchmark account's password
    for the command line's --user."""
    env = child_environment(workdir)
    env["PRACTITIONER_APP_PASSWORD"] = child.PASSWORD
    return env


def cli(db: Path | str, *words: str) -> list[str]:
    """The installed command line, as the benchmark's administrator, on `db`."""
    program = Path(sys.executable).parent / "practitioner-app"
    return [str(program), "--db", str(db), "--user", child.USERNAME, *words]


def integrity_check_args(db: Path) -> list[str]:
    """A bare `PRAGMA integrity_check` of `db` as a process: the sqlite3 program where
    there is one, else Python's sqlite3 module."""
    program = shutil.which("sqlite3")
    if program:
        return [program, "-readonly", str(db), "PRAGMA integrity_check;"]
    return [sys.executable, "-c", "import sqlite3, sys; "
            "print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check')"
            ".fetchall())", str(db)]


def sqlite3_program_version() -> str:
    program = shutil.which("sqlite3")
    if not program:
        return "Python's sqlite3 module"
    version = subprocess.run([program, "-version"], capture_output=True, text=True)
    return f"the sqlite3 program {version.stdout.split()[0] if version.stdout else '?'}"


def read_every_table(url: str) -> float:
    """The server's bare counterpart of an integrity check: every table read once,
    streamed through psycopg's COPY and thrown away. Returns seconds."""
    con = ServerConnection(url)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()]
        start = time.perf_counter()
        for table in tables:
            with con.native.cursor().copy(f'COPY "{table}" TO STDOUT') as copy:
                for _block in copy:
                    pass
        return time.perf_counter() - start
    finally:
        con.close()


#: `check` is run again only while its runs so far took less than this.
CHECK_BUDGET_S = 60.0


@dataclass(frozen=True)
class Commands:
    """Medians, ms and MB, of the command line's processes on one clinic."""

    check_ms: float
    check_mb: float | None
    bare_check_ms: float
    bare_check_mb: float | None
    list_ms: float
    report_ms: float
    bare_name: str


def command_figures(clinic: Clinic, workdir: Path, repeat: int) -> Commands:
    """`check`, `patients list QUERY` and `report session ID` as whole processes (with
    --user: the password check is part of each), and the bare integrity check, in turn:
    the quick ones once first to warm the bytecode and page caches, then `repeat` times;
    `check` and its baseline, which read the whole database (the baseline first, so
    `check` never reads it cold), at most 3 times, and only once more while `check` has
    taken less than CHECK_BUDGET_S in all."""
    env = cli_environment(workdir)
    pdf = workdir / "bench-report.pdf"
    server = is_server(clinic.db)
    runs: dict[str, list[Process]] = {"check": [], "bare": [], "list": [], "report": []}

    def bare() -> Process:
        if server:
            return Process(read_every_table(clinic.db), None)
        return run_process(integrity_check_args(Path(clinic.db)), env)

    jobs = {
        "bare": bare,
        "check": lambda: run_process(cli(clinic.db, "check"), env),
        "list": lambda: run_process(cli(clinic.db, "patients", "list", BENCH_WORD), env),
        "report": lambda: run_process(
            cli(clinic.db, "report", "session", str(clinic.series_sessions[-1]),
                "-o", str(pdf)), env),
    }
    for name in ("list", "report"):  # warm-up: bytecode, page cache
        jobs[name]()
    for n in range(repeat):
        # A whole-file check that takes minutes is not repeated for long.
        whole = n < 3 and sum(r.seconds for r in runs["check"]) < CHECK_BUDGET_S
        for name, job in jobs.items():
            if whole or name in ("list", "report"):
                runs[name].append(job())
    pdf.unlink(missing_ok=True)

    def peak(name: str) -> float | None:
        peaks = [r.peak_mb for r in runs[name] if r.peak_mb is not None]
        return statistics.median(peaks) if peaks else None

    def ms(name: str) -> float:
        return _median_ms([r.seconds for r in runs[name]])

    return Commands(ms("check"), peak("check"), ms("bare"), peak("bare"), ms("list"),
                    ms("report"),
                    "every table read once (psycopg COPY)" if server
                    else f"PRAGMA integrity_check by {sqlite3_program_version()}")


# --- Signing and the due list, through the services -----------------------------------------


def sign_figures(services, clinic: Clinic, repeat: int) -> tuple[float, float]:
    """Sign `repeat` new full sessions of the scratch patient (consent recorded first), as
    the signing window does (SessionService.sign, password confirmed); and, right after
    each, one Argon2id check of the same password with the app's parameters, the part
    of signing that is slow on purpose. Returns both medians, ms."""
    from practitioner_app.domain.signing import Consent
    from practitioner_app.services.accounts import password_hasher
    from tests.benchmarks.bench_reports import a_series

    patient = clinic.scratch_patient
    version = services.consents.current_version()
    if not services.consents.has_valid_treatment_consent(patient):
        services.consents.record(patient, Consent("treatment", version, date.today(),
                                                  child.FULL_NAME))
    hasher = password_hasher()
    stored = hasher.hash(child.PASSWORD)
    signs, checks = [], []
    # Dated after anything the scratch patient may have, four weeks apart as a course.
    first = date.today() - timedelta(weeks=4 * (repeat + 1))
    for n, session in enumerate(a_series(repeat)):
        session = dataclasses.replace(
            session, session_date=first + timedelta(weeks=4 * n),
            practitioner_name=child.FULL_NAME, practitioner_role=child.ROLE)
        saved = services.sessions.save(patient, session)
        signs.append(_timed(lambda s=saved: services.sessions.sign(s.id, child.PASSWORD)))
        checks.append(_timed(lambda: hasher.verify(stored, child.PASSWORD)))
    return _median_ms(signs), _median_ms(checks)


def due_list_ms(services, repeat: int) -> float:
    """The due list as the main window reads it: due or overdue within 7 days, the
    soonest it shows and one more (to say "200+"). The command line's `due`, which
    prints every row, is not something a clinician waits for at the chair."""
    from practitioner_app.services.container import DUE_SHOWN, DUE_WITHIN_DAYS

    def read():
        return services.courses.due(DUE_WITHIN_DAYS, DUE_SHOWN + 1)

    read()  # warm
    return _median_ms([_timed(read) for _ in range(repeat)])


# --- A year of backups ----------------------------------------------------------------------


#: The clinic's automatic backups: every 30 minutes while it works, 9:00 to 17:00, Monday
#: to Saturday (the app backs up at most every AUTO_BACKUP_INTERVAL while records change).
OPEN_HOURS = (9, 17)
OPEN_DAYS = range(0, 6)


def year_of_backup_times(end: datetime, interval: timedelta) -> list[datetime]:
    """When the clinic's automatic backups were made over the year before `end`."""
    times = []
    day = (end - timedelta(days=365)).date()
    while day <= end.date():
        if day.weekday() in OPEN_DAYS:
            at = datetime(day.year, day.month, day.day, OPEN_HOURS[0]).astimezone()
            closing = at.replace(hour=OPEN_HOURS[1])
            while at < closing and at <= end:
                times.append(at)
                at += interval
        day += timedelta(days=1)
    return times


@dataclass(frozen=True)
class BackupYear:
    folder_bytes: int
    database_bytes: int
    backups: int
    made: int
    #: Of the oldest and newest backups kept: how many were restored into a new database
    #: and passed every check, and how many were tried.
    restored_ok: int
    restored: int
    seconds: float
    #: Who ran the year: the backup store's own simulation, or this module's.
    by: str

    @property
    def ratio(self) -> float:
        return self.folder_bytes / max(self.database_bytes, 1)


#: Restoring and checking the oldest kept backup too is skipped once the newest took this.
RESTORE_BUDGET_S = 60.0


def backup_year(db: Path, workdir: Path, patients: int, sessions_per_patient: int | None,
                progress=lambda _m: None) -> BackupYear | str:
    """The backups folder after a year of the retention ladder: of a year of automatic
    backups (every half hour of the clinic's working days), those the ladder keeps at
    the end are made in order by BackupService with its clock at each one's time, each
    after a day's worth of the clinic's changes (a demo run of patients/3650 patients
    with their whole histories: the ten-year archive's daily share). The backup store's
    own simulation (services/backup_year.py) runs it where there is one. The newest
    kept backup, and the oldest unless that took over RESTORE_BUDGET_S, are then
    restored into a new database and checked, as `restore` and `check` would. Returns
    the figures, or why it was not run (not enough disk)."""
    from practitioner_app.services.backup import (
        AUTO_BACKUP_INTERVAL,
        BackupService,
        backups_to_keep,
    )
    from practitioner_app.services.container import open_services

    started = time.perf_counter()
    end = datetime.now().astimezone().replace(microsecond=0)
    times = year_of_backup_times(end, AUTO_BACKUP_INTERVAL)
    survivors = sorted(backups_to_keep(times))
    size = database_bytes(db)
    free = shutil.disk_usage(workdir).free
    if free < 1.3 * size * len(survivors):
        return (f"not run: {len(survivors)} backups of a {size / 2**20:,.0f} MB database "
                f"would need more than the {free / 2**30:,.1f} GiB free")
    folder = workdir / "year-of-backups"
    daily_patients = max(1, round(patients / 3650))
    services = open_services(db)
    made = [0]

    def a_days_work(_since: datetime | None = None, until: datetime | None = None) -> None:
        made[0] += 1
        progress(f"  backup {made[0]} of {len(survivors)}"
                 + (f" ({until:%Y-%m-%d %H:%M})" if until else "") + " …")
        services.demo.generate(daily_patients, 10_000 + made[0], sessions_per_patient)

    try:
        services.accounts.sign_in(child.USERNAME, child.PASSWORD)  # the demo is an admin's
        try:
            from practitioner_app.services.backup_year import simulate_ladder
        except ImportError:  # a backup store without its own simulation
            simulate_ladder = None
        if simulate_ladder is not None:
            by = "the backup store's simulate_ladder"
            ladder = simulate_ladder(db, folder, times, a_days_work)
            backups = ladder.service
        else:
            by = "the runner (BackupService with its clock set)"
            moment = {"now": survivors[0]}
            backups = BackupService(db, folder, clock=lambda: moment["now"])
            for at in survivors:
                a_days_work(None, at)
                moment["now"] = at
                backups.back_up()
    finally:
        services.close()
    files = [p for p in folder.rglob("*") if p.is_file()]
    kept = sorted((b for b in backups.list_backups() if b.kind == "automatic"),
                  key=lambda b: b.made)
    restored = restored_ok = 0
    for backup in ([kept[-1], kept[0]] if len(kept) > 1 else kept):  # newest first
        began = time.perf_counter()
        restored += 1
        restored_ok += restores_and_checks(backup.path, workdir / "restored")
        if time.perf_counter() - began > RESTORE_BUDGET_S:
            break
    result = BackupYear(sum(p.stat().st_size for p in files), database_bytes(db),
                        len(kept), made[0], restored_ok, restored,
                        time.perf_counter() - started, by)
    backups.close()
    shutil.rmtree(folder, ignore_errors=True)
    return result


def restores_and_checks(backup: Path, scratch: Path) -> bool:
    """Whether `backup` restores into a new database that passes every check."""
    from practitioner_app.services.backup import BackupService

    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    restored = BackupService(scratch / "restored.sqlite3", scratch / "backups")
    try:
        restored.restore(backup)
        return restored.check().ok
    finally:
        restored.close()
        shutil.rmtree(scratch, ignore_errors=True)


def database_bytes(db: Path) -> int:
    """The database's size: its file once the write-ahead log is checkpointed into it
    (what a backup copies), plus whatever of the log could not be."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{db}{s}").exists())


SERVER_BACKUPS = (
    "not measured on a clinic server: the app keeps no retention ladder there (the "
    "server's backups are its administrator's, pg_dump or WAL archiving)")
