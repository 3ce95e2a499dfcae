"""Clinic-scale speed: every figure beside a baseline measured in the same run, and how
each grows with the clinic.

Run from the project root:

    .venv/bin/python -m tests.benchmarks.run [--patients N] [--sizes 1000,10000,50000]
        [--out FILE.md]
    .venv/bin/python -m tests.benchmarks.run --db postgresql://USER@HOST[:PORT]/DBNAME

It builds a clinic database in a temporary folder with the demo generator (default 10,000
patients with 10 sessions each on average: a ten-year archive of about 100,000), adds
one patient with a 50-session series, and prints two tables. The ratio table: figure,
our time, the baseline's time, their ratio, the target and whether it is met. These
machines are shared and noisy, so a figure alone means little; the ratio to a baseline
measured minutes earlier on the same machine is what to compare between runs. The growth
table (tests/benchmarks/growth.py, figures from archive.py and the child processes): the
clinic is also built afresh at each of --sizes below N, and each figure the clinician
waits for is shown at every size with its growth, largest over smallest, against the
target of at most 1.2×. Medians of several repetitions throughout.

With `--db postgresql://…` the clinics are built on that PostgreSQL server instead: the
runner creates a database of its own there (`bench_<pid>`, and `bench_<pid>_<size>` for
the smaller sizes, beside the one the URL names, which is only used to create and drop
them), measures the same figures on it with the baselines sent through raw psycopg to
the same server, and drops it at the end unless `--keep`. What cannot be measured there
(the page cache, the backups ladder) is said in the notes.

The exit status is 0 whatever the figures are (CI runs this so it cannot rot, never to
judge a time); it is non-zero only when the runner itself breaks. Named run.py, not
test_*.py, so pytest does not collect it; tests/integration/test_benchmark_runner.py
runs its building blocks on a tiny database, test_benchmark_runner_server.py its
server path on the test server, and test_benchmark_growth.py the growth table on two
tiny clinics.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import random
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.benchmarks.growth import DEFAULT_SIZES, WAIT_GROWTH, Growth, growth_table, sizes_for

ROOT = Path(__file__).resolve().parents[2]

RATE = "sessions/s"
SERIES_NUMBER = "BENCH-50"
SCRATCH_NUMBER = "BENCH-SCRATCH"
#: Both benchmark patients' names contain this word; no demo name does.
BENCH_WORD = "Benchmark"
#: As tests/benchmarks/bench_reports.py.
SESSION_REPORT_TARGET_MS = 50.0
SUMMARY_TARGET_MS = 500.0


# --- Figures and the table ----------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One row of the table. `target` is in `unit`, or a ratio when `target_is_ratio`."""

    name: str
    ours: float
    baseline: float
    unit: str  # "ms", "MB" or RATE
    target: float | None = None
    target_is_ratio: bool = False
    baseline_name: str = ""

    @property
    def ratio(self) -> float:
        """Our cost over the baseline's (time or memory): 1.0 is as cheap as the baseline,
        2.0 twice as slow. For a rate, the baseline's rate over ours, so it reads the same."""
        if self.unit == RATE:
            return self.baseline / max(self.ours, 1e-12)
        return self.ours / max(self.baseline, 1e-12)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return (self.ratio if self.target_is_ratio else self.ours) <= self.target

    def target_text(self) -> str:
        if self.target is None:
            return "—"
        if self.target_is_ratio:
            return f"≤ {self.target:g}× baseline"
        return f"≤ {_amount(self.target, self.unit)}"


def _amount(value: float, unit: str) -> str:
    if unit == RATE:
        return f"{value:,.0f} {unit}"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def table(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = ["| figure | ours | baseline | ratio | target | met? |",
             "|---|---:|---:|---:|---|---|"]
    for f in figures:
        met = {None: "—", True: "yes", False: "**no**"}[f.met]
        baseline = _amount(f.baseline, f.unit)
        if f.baseline_name:
            baseline = f"{baseline} ({f.baseline_name})"
        lines.append(f"| {f.name} | {_amount(f.ours, f.unit)} | {baseline} | "
                     f"{f.ratio:,.1f}× | {f.target_text()} | {met} |")
    return "\n".join(lines)


def _median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def _percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `samples`, in ms."""
    ordered = sorted(samples)
    rank = max(1, round(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1] * 1000


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- A clinic server's database ------------------------------------------------------------


def is_server(db: Path | str) -> bool:
    """Whether `db` names a server database (a `postgresql://` URL) rather than a file."""
    return isinstance(db, str) and db.split("://", 1)[0].lower() in ("postgresql", "postgres")


def raw_name(db: Path | str) -> str:
    """The plain driver the baselines use on `db`."""
    return "psycopg" if is_server(db) else "sqlite3"


def database_url(server_url: str, name: str) -> str:
    """`server_url` naming the database `name` instead of its own (host, port, user and
    options kept as written: libpq reads the query part itself)."""
    parts = urlsplit(server_url)
    query = "&".join(item for item in parts.query.split("&")
                     if item and not item.startswith("dbname="))
    return urlunsplit(parts._replace(path=f"/{name}", query=query))


def _on_server(server_url: str, statement: str, name: str) -> None:
    """Run `statement` (with `{}` for a database name) on the server, outside a
    transaction, as CREATE and DROP DATABASE must be."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL(statement).format(sql.Identifier(name)))


def create_database(server_url: str, name: str) -> str:
    """A new, empty database `name` on the server of `server_url`; returns its URL."""
    _on_server(server_url, "CREATE DATABASE {}", name)
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop `name` on the server of `server_url`, with any connection still on it."""
    _on_server(server_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def bench_database_name(suffix: str = "") -> str:
    return f"bench_{os.getpid()}{suffix}"


@contextlib.contextmanager
def bench_database(server_url: str, keep: bool = False, suffix: str = "") -> Iterator[str]:
    """A fresh database for the benchmark's clinic on the server of `server_url`,
    dropped afterwards (whatever happened) unless `keep`; yields its URL."""
    name = bench_database_name(suffix)
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        if not keep:
            drop_database(server_url, name)


class ServerConnection:
    """A psycopg connection in autocommit, as plain as sqlite3's: `execute` takes the
    same `?` placeholders, so a baseline sends the same statement to either backend;
    `native` takes psycopg's own (a statement captured from the app)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.native = psycopg.connect(url, autocommit=True)

    def execute(self, statement: str, params: Sequence = ()):
        return self.native.execute(statement.replace("?", "%s"), tuple(params))

    def close(self) -> None:
        self.native.close()


def server_facts(url: str) -> dict[str, str]:
    """What the server figures were measured on, as the server says."""
    con = ServerConnection(url)
    try:
        def show(name: str) -> str:
            return str(con.execute(f"SHOW {name}").fetchone()[0])

        version = show("server_version")
        collation = con.execute("SELECT datcollate FROM pg_database "
                                "WHERE datname = current_database()").fetchone()[0]
        facts = {
            "PostgreSQL": version.split()[0],
            "fsync": show("fsync"),
            "synchronous_commit": show("synchronous_commit"),
            "shared_buffers": show("shared_buffers"),
            "collation": collation,
        }
    finally:
        con.close()
    import psycopg

    host = urlsplit(url).hostname or dict(
        item.split("=", 1) for item in urlsplit(url).query.split("&") if "=" in item
    ).get("host", "")
    facts["connection"] = ("Unix socket on this machine" if not host or host.startswith("/")
                           else f"TCP to {host}")
    facts["psycopg"] = psycopg.__version__
    return facts


# --- The clinic database --------------------------------------------------------------------


@dataclass(frozen=True)
class Clinic:
    """The database the figures are measured on."""

    db: Path | str  # an SQLite file, or a server database's URL
    patients: int
    sessions: int
    zones: int
    series_patient: int  # the patient with the long series (a PatientId)
    scratch_patient: int
    series_sessions: tuple[int, ...]  # its session ids, in the order saved


def build_clinic(db: Path | str, patients: int, seed: int = 1,
                 sessions_per_patient: int | None = None,
                 baseline: bool = True) -> tuple[Figure, int, int]:
    """Fill a new database at `db` with `patients` demo patients, with
    `sessions_per_patient` sessions each on average (default: the generator's 1–8).

    Returns the demo-generation figure (generate and write, through DemoService, against
    a bare SQLAlchemy Core executemany of the very same rows into a fresh database; on a
    server, a fresh database on the same server) and the sessions and zone rows written.
    Without `baseline`, the figure's baseline is nan (a clinic of the growth table that
    gets no ratio table)."""
    from practitioner_app.services.container import open_services
    from tests.benchmarks import child

    services = open_services(db)
    try:
        start = time.perf_counter()
        # The clinic's administrator is the benchmark's account, so the demo's history
        # (the practitioners' accounts, their sign-ins) is a real clinic's.
        result = services.demo.generate(
            patients, seed, sessions_per_patient,
            administrator=(child.USERNAME, child.FULL_NAME, child.ROLE, child.PASSWORD))
        ours_s = time.perf_counter() - start
    finally:
        services.close()
    if not baseline:
        bare_s = float("nan")
    elif is_server(db):
        bare_s = server_core_bulk_copy(db)
    else:
        copy = db.with_name(f"core-copy-{db.name}")
        try:
            bare_s = core_bulk_copy(db, copy)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
    figure = Figure(f"Demo generation, {patients:,} patients ({result.sessions:,} sessions)",
                    result.sessions / ours_s, result.sessions / bare_s, RATE,
                    baseline_name="Core insert")
    return figure, result.sessions, result.zones


def core_bulk_copy(source: Path, destination: Path, batch: int = 5000) -> float:
    """Insert every row the demo wrote in `source` into a freshly migrated `destination`
    with bare SQLAlchemy Core executemany (untyped columns, values as stored), in one
    transaction; returns the seconds spent inserting and committing (reading excluded).

    The tables copied are those with rows in `source` and none in a fresh database, so
    the baseline follows the schema as it grows."""
    from sqlalchemy import column, insert
    from sqlalchemy import table as table_clause

    from practitioner_app.persistence import triggers
    from practitioner_app.persistence.database import Database
    from practitioner_app.persistence.engine import make_engine
    from practitioner_app.persistence.models import Base

    Database(destination).close()  # the schema, by the migrations, as the app makes it
    src = sqlite3.connect(source)
    fresh = sqlite3.connect(destination)
    try:
        def count(con: sqlite3.Connection, name: str) -> int:
            return con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]

        names = [t.name for t in Base.metadata.sorted_tables  # parents before children
                 if count(src, t.name) and not count(fresh, t.name)]
    finally:
        fresh.close()
    engine = make_engine(destination)
    elapsed = 0.0
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            # Rows are copied table by table, signed sessions before their zone rows,
            # which the protective triggers refuse (the demo signs after writing them);
            # the copy is thrown away, so it goes without them.
            triggers.drop_all(connection)
            for name in names:
                columns = [r[1] for r in src.execute(f'PRAGMA table_info("{name}")')]
                target = table_clause(name, *(column(c) for c in columns))
                cursor = src.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
                while rows := cursor.fetchmany(batch):
                    values = [dict(zip(columns, r, strict=True)) for r in rows]
                    elapsed += _timed(lambda v=values, t=target: connection.execute(insert(t), v))
            elapsed += _timed(transaction.commit)
    finally:
        engine.dispose()
        src.close()
    return elapsed


def add_benchmark_patients(db: Path | str, series: int = 50) -> tuple[Figure, Clinic]:
    """Create the administrator's account (the app asks for one at the first start),
    register the series patient with `series` full sessions and an empty scratch
    patient. Each SessionService.save is timed (the save figure) against a bare sqlite3
    insert of the same rows, committed the same way (WAL, synchronous=FULL); on a server,
    a bare psycopg insert committed as the server commits."""
    from practitioner_app.services.container import open_services
    from tests.benchmarks import child
    from tests.benchmarks.bench_reports import a_series
    from tests.factories import a_patient

    services = open_services(db)
    try:
        if not services.accounts.has_accounts():  # the app asks for it at the first start
            services.accounts.create_first_admin(child.USERNAME, child.FULL_NAME,
                                                 child.ROLE, child.REGISTRATION,
                                                 child.PASSWORD)
        services.accounts.sign_in(child.USERNAME, child.PASSWORD)
        series_patient = services.patients.register(a_patient(
            number=SERIES_NUMBER, full_name=f"{BENCH_WORD} Series Patient"))
        scratch = services.patients.register(a_patient(
            number=SCRATCH_NUMBER, full_name=f"{BENCH_WORD} Scratch Patient"))
        times, ids = [], []
        for session in a_series(series):
            # Recorded as the clinic's account: a session's practitioner is one of them.
            session = dataclasses.replace(session, practitioner_name=child.FULL_NAME,
                                          practitioner_role=child.ROLE)
            start = time.perf_counter()
            saved = services.sessions.save(series_patient.id, session)
            times.append(time.perf_counter() - start)
            ids.append(int(saved.id))
    finally:
        services.close()
    inserts = bare_server_session_inserts if is_server(db) else bare_session_inserts
    bare = inserts(db, ids, int(scratch.id))
    zones = len(a_series(1)[0].needling.zones)
    figure = Figure(f"Save a full session ({zones} zones)", _median_ms(times),
                    _median_ms(bare), "ms", 30.0, baseline_name=f"{raw_name(db)} insert")
    clinic = Clinic(db, 0, 0, 0, int(series_patient.id), int(scratch.id), tuple(ids))
    return figure, clinic


def _connect(db: Path) -> sqlite3.Connection:
    """A stdlib connection with the app's PRAGMAs; transactions are explicit."""
    con = sqlite3.connect(db, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=FULL",
                   "busy_timeout=5000"):
        con.execute(f"PRAGMA {pragma}")
    return con


def bare_session_inserts(db: Path, session_ids: Sequence[int], patient_id: int) -> list[float]:
    """Seconds to insert and commit a copy of each session's rows (the session and every
    row referring to it) for `patient_id` with plain sqlite3."""
    con = _connect(db)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        children = [(t, fk[3]) for t in tables
                    for fk in con.execute(f'PRAGMA foreign_key_list("{t}")')
                    if fk[2] == "treatment_sessions"]

        def rows(sql: str, *args) -> tuple[list[str], list[tuple]]:
            cursor = con.execute(sql, args)
            return [d[0] for d in cursor.description], cursor.fetchall()

        def insert_sql(name: str, columns: list[str]) -> str:
            return (f'INSERT INTO "{name}" ({", ".join(columns)}) '
                    f'VALUES ({", ".join("?" * len(columns))})')

        times = []
        for session_id in session_ids:
            columns, (session,) = rows("SELECT * FROM treatment_sessions WHERE id = ?",
                                       session_id)
            session = dict(zip(columns, session, strict=True), id=None, patient_id=patient_id)
            kids = [(name, key, *rows(f'SELECT * FROM "{name}" WHERE "{key}" = ?', session_id))
                    for name, key in children]
            start = time.perf_counter()
            con.execute("BEGIN")
            new_id = con.execute(insert_sql("treatment_sessions", columns),
                                 list(session.values())).lastrowid
            for name, key, kid_columns, kid_rows in kids:
                values = [dict(zip(kid_columns, r, strict=True), id=None, **{key: new_id})
                          for r in kid_rows]
                if values:
                    con.executemany(insert_sql(name, kid_columns),
                                    [list(v.values()) for v in values])
            con.execute("COMMIT")
            times.append(time.perf_counter() - start)
        return times
    finally:
        con.close()


def server_core_bulk_copy(source: str, batch: int = 5000) -> float:
    """core_bulk_copy on a server: every row the demo wrote in the database at `source`
    inserted into a fresh database on the same server (migrated as the app makes it,
    dropped afterwards) with bare SQLAlchemy Core executemany through psycopg, in one
    transaction; returns the seconds spent inserting and committing (reading excluded)."""
    from sqlalchemy import column, insert
    from sqlalchemy import table as table_clause

    from practitioner_app.persistence import triggers
    from practitioner_app.persistence.database import Database
    from practitioner_app.persistence.models import Base
    from practitioner_app.persistence.server import make_server_engine

    name = f"{bench_database_name()}_core"
    destination = create_database(source, name)
    try:
        Database(destination).close()  # the schema, by the migrations, as the app makes it
        src, fresh = ServerConnection(source), ServerConnection(destination)
        try:
            def count(con: ServerConnection, table: str) -> int:
                return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]

            tables = [t for t in Base.metadata.sorted_tables  # parents before children
                      if count(src, t.name) and not count(fresh, t.name)]
        finally:
            fresh.close()
        engine = make_server_engine(destination)
        elapsed = 0.0
        try:
            with engine.connect() as connection:
                transaction = connection.begin()
                # As on the file: signed sessions go in before their zone rows, which
                # the protective triggers refuse; the copy is thrown away.
                triggers.drop_all(connection)
                for t in tables:
                    order = ", ".join(f'"{c.name}"' for c in t.primary_key.columns)
                    # A server-side cursor streams the rows, as sqlite3's fetchmany does.
                    with src.native.transaction(), \
                            src.native.cursor(name=f"copy_{t.name}") as cursor:
                        cursor.execute(f'SELECT * FROM "{t.name}" ORDER BY {order}')
                        columns = [d.name for d in cursor.description]
                        target = table_clause(t.name, *(column(c) for c in columns))
                        while rows := cursor.fetchmany(batch):
                            values = [dict(zip(columns, r, strict=True)) for r in rows]
                            elapsed += _timed(
                                lambda v=values, tt=target: connection.execute(insert(tt), v))
                elapsed += _timed(transaction.commit)
        finally:
            engine.dispose()
            src.close()
    finally:
        drop_database(source, name)
    return elapsed


def bare_server_session_inserts(url: str, session_ids: Sequence[int],
                                patient_id: int) -> list[float]:
    """bare_session_inserts on a server: seconds to insert and commit a copy of each
    session's rows (the session and every row referring to it) for `patient_id` with
    plain psycopg, the new ids given by the server (RETURNING)."""
    con = ServerConnection(url)
    try:
        children = con.execute(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'f' AND c.confrelid = 'treatment_sessions'::regclass "
            "ORDER BY 1, 2").fetchall()

        def rows(statement: str, *args) -> tuple[list[str], list[tuple]]:
            cursor = con.execute(statement, args)
            return [d.name for d in cursor.description], cursor.fetchall()

        def insert_sql(name: str, columns: list[str]) -> str:
            quoted = ", ".join(f'"{c}"' for c in columns)  # "window" is a keyword here
            return (f'INSERT INTO "{name}" ({quoted}) '
                    f'VALUES ({", ".join(["%s"] * len(columns))})')

        times = []
        for session_id in session_ids:
            columns, (session,) = rows("SELECT * FROM treatment_sessions WHERE id = ?",
                                       session_id)
            session = dict(zip(columns, session, strict=True), patient_id=patient_id)
            del session["id"]
            kids = []
            for name, key in children:
                kid_columns, kid_rows = rows(f'SELECT * FROM "{name}" WHERE "{key}" = ?',
                                             session_id)
                kept = [c for c in kid_columns if c != "id"]
                kids.append((name, key, kept,
                             [[v for c, v in zip(kid_columns, r, strict=True) if c != "id"]
                              for r in kid_rows]))
            insert_session = insert_sql("treatment_sessions", list(session)) + " RETURNING id"
            start = time.perf_counter()
            con.native.execute("BEGIN")
            new_id = con.native.execute(insert_session, list(session.values())).fetchone()[0]
            for name, key, kid_columns, kid_rows in kids:
                if kid_rows:
                    at = kid_columns.index(key)
                    with con.native.cursor() as cursor:
                        cursor.executemany(insert_sql(name, kid_columns),
                                           [[*r[:at], new_id, *r[at + 1:]] for r in kid_rows])
            con.native.execute("COMMIT")
            times.append(time.perf_counter() - start)
        return times
    finally:
        con.close()


def count_rows(db: Path | str) -> tuple[int, int, int]:
    con = ServerConnection(db) if is_server(db) else sqlite3.connect(db)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("patients", "treatment_sessions", "zone_treatments"))
    finally:
        con.close()


# --- Start-up and memory, in separate processes ----------------------------------------------


#: Compiled bytecode for the child processes, kept between runs (never in the source tree).
PYCACHE = Path(tempfile.gettempdir()) / f"practitioner-app-bench-pycache-{os.getuid()}"


def child_environment(workdir: Path, pycache: Path = PYCACHE) -> dict[str, str]:
    """The environment the app and the bare window start in: offscreen Qt, settings in
    `workdir`, and compiled bytecode cached in `pycache` as an installed app has it (pip
    compiles it), even where PYTHONDONTWRITEBYTECODE is set."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PRACTITIONER_APP_DB", None)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONPYCACHEPREFIX=str(pycache),
        PRACTITIONER_APP_CONFIG_DIR=str(workdir / "config"),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    )
    return env


@dataclass(frozen=True)
class Launch:
    """One child process: seconds from Popen to each mark it printed, measured here (the
    app: PROMPT, the window asking who is there; READY, signed in with the patient list
    filled; the bare window: READY), the durations it measured itself (SIGNIN, Enter →
    list filled; ARGON2, one password check), in seconds, and its peak resident memory in
    MB (None when it printed none)."""

    marks: dict[str, float]
    peak_mb: float | None
    #: Of child.NOT_AT_START, the packages imported by the time the list was filled.
    heavy: tuple[str, ...] = ()


#: Durations a child measures itself and prints in ms: Enter → list (SIGNIN), one
#: password check (ARGON2), the audit trail window (AUDIT), the new-patient window
#: (NUMBER), closing the main window until it is hidden (QUIT), the due list read again
#: after a change (DUEREFRESH).
CHILD_DURATIONS = ("SIGNIN", "ARGON2", "AUDIT", "NUMBER", "QUIT", "DUEREFRESH")


def launch(kind: str, db: Path | str | None, env: dict[str, str],
           stop_after_s: float | None = None) -> Launch:
    """Start `tests.benchmarks.child` (kind "app", "app-at-once", "app-due" or "bare")
    and wait for it to end. After QUIT, the seconds from that line to the process's end
    are the mark EXIT (what the app still did once its window was gone). With
    `stop_after_s`, the process is killed after that long and the launch has the mark
    STOPPED (its seconds) with whatever marks came before."""
    args = [sys.executable, "-m", "tests.benchmarks.child", kind]
    if db is not None:
        args.append(str(db))
    marks: dict[str, float] = {}
    rss_kb = None
    heavy: tuple[str, ...] = ()
    quit_seen = None
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=errors, text=True)
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            process.kill()

        stopper = threading.Timer(stop_after_s or 0, stop)
        if stop_after_s is not None:
            stopper.start()
        assert process.stdout is not None
        for line in process.stdout:
            word, _, value = line.strip().partition(" ")
            if word in ("PROMPT", "READY"):
                marks.setdefault(word, time.perf_counter() - start)
            elif word in CHILD_DURATIONS:
                marks[word] = float(value) / 1000
                if word == "QUIT":
                    quit_seen = time.perf_counter()
            elif word == "RSS":
                rss_kb = int(value)
            elif word == "HEAVY":
                heavy = tuple(n for n in value.split(",") if n != "-")
            elif word == "DUE":
                marks[word] = float(value)  # rows, not seconds
        status = process.wait(timeout=600)
        stopper.cancel()
        if quit_seen is not None:
            marks["EXIT"] = time.perf_counter() - quit_seen
        if stopped.is_set():
            marks["STOPPED"] = stop_after_s
            return Launch(marks, None, heavy)
        if status != 0 or ("READY" not in marks and kind != "app-due"):
            errors.seek(0)
            raise RuntimeError(f"{shlex.join(args)} exited {status}:\n{errors.read()[-4000:]}")
    return Launch(marks, rss_kb / 1024 if rss_kb is not None else None, heavy)


@dataclass(frozen=True)
class StartUps:
    """The child processes of one clinic, by kind: bare windows, the app with the password
    typed (`typed`), given at once (`at_once`), and typed after the database file was
    evicted from the page cache (`cold`); and how many typed launches, each of which
    changed the clinic, left a backup made on closing (None on a server: no backups)."""

    bare: list[Launch]
    typed: list[Launch]
    at_once: list[Launch]
    cold: list[Launch]
    backed_up: int | None = None


def _newest_backup_mtime(db: Path) -> float:
    from practitioner_app.paths import backups_dir

    folder = backups_dir(db)
    times = [p.stat().st_mtime for p in folder.glob("*.sqlite3")] if folder.is_dir() else []
    return max(times, default=0.0)


def start_up_launches(db: Path | str, workdir: Path, repeat: int = 5, at_once: bool = True,
                      cold: bool = False) -> StartUps:
    """One discarded launch of each kind first (it compiles the bytecode cache); then the
    kinds alternate, so a burst of load on the machine hits all. With `cold` (a file
    only), the database file is evicted from the page cache before each cold launch."""
    from tests.benchmarks.archive import evict

    env = child_environment(workdir)
    kinds = ("bare", "app", "app-at-once") if at_once else ("bare", "app")
    for kind in kinds:
        launch(kind, None if kind == "bare" else db, env)
    done = StartUps([], [], [], [], None if is_server(db) else 0)
    backed_up = 0
    for _ in range(repeat):
        done.bare.append(launch("bare", None, env))
        started = time.time()
        done.typed.append(launch("app", db, env))
        if not is_server(db) and _newest_backup_mtime(db) >= started:
            backed_up += 1
        if at_once:
            done.at_once.append(launch("app-at-once", db, env))
        if cold and not is_server(db):
            evict(db)
            done.cold.append(launch("app", db, env))
    return dataclasses.replace(done, backed_up=None if is_server(db) else backed_up)


def start_up_figures(db: Path | str, workdir: Path, repeat: int = 5,
                     launches: StartUps | None = None
                     ) -> tuple[list[Figure], tuple[str, ...]]:
    """Cold start and peak memory, each app launch against a bare PySide6 window's.

    The app shows its window at once and opens the database on a worker thread while the
    clinician types (ui/startup.py), so a clinician waits twice: launch → the window
    asking who is there, and Enter → the patient list filled. Signing in is slow on
    purpose (Argon2id, ~1 bare window's start on these machines), so the baseline for the
    whole wait is a bare window plus one Argon2id check. The worst case, the password
    given the instant the window asks, is measured too.

    One discarded launch of each kind first (it compiles the bytecode cache); then the
    kinds alternate, so a burst of load on the machine hits all. Also returns the
    packages of child.NOT_AT_START that any app launch had imported at READY."""
    from tests.benchmarks import child

    launches = launches or start_up_launches(db, workdir, repeat)
    bare, typed, at_once = launches.bare, launches.typed, launches.at_once
    window = "bare PySide6 window"
    bare_ms = _median_ms([b.marks["READY"] for b in bare])
    argon2_ms = _median_ms([b.marks["ARGON2"] for b in bare])
    prompt_ms = _median_ms([a.marks["PROMPT"] for a in typed + at_once])
    sign_in_ms = _median_ms([a.marks["SIGNIN"] for a in typed])
    checked = f"bare window + Argon2id check ({argon2_ms:,.0f} ms)"
    figures = [
        Figure("Cold start: launch → main window asking for sign-in", prompt_ms, bare_ms,
               "ms", 2.5, target_is_ratio=True, baseline_name=window),
        Figure(f"Sign-in: Enter → patient list and due list filled (typed at "
               f"{child.TYPING_KEYS_PER_S} keys/s)", sign_in_ms, argon2_ms, "ms",
               baseline_name="Argon2id check alone"),
        Figure("Cold start, the clinician's wait: launch → sign-in prompt, plus Enter → "
               "lists filled", prompt_ms + sign_in_ms, bare_ms + argon2_ms, "ms", 2.5,
               target_is_ratio=True, baseline_name=checked),
        Figure("Cold start as the issue states it: the same wait against the bare window "
               "alone", prompt_ms + sign_in_ms, bare_ms, "ms", 2.5, target_is_ratio=True,
               baseline_name=window),
        Figure("Cold start, password given the instant the window asks: launch → lists "
               "filled", _median_ms([a.marks["READY"] for a in at_once]),
               bare_ms + argon2_ms, "ms", baseline_name=checked),
        Figure("Peak memory: database open, a dozen patients viewed, documents ready",
               statistics.median(a.peak_mb for a in typed),
               statistics.median(b.peak_mb for b in bare), "MB", 250.0, baseline_name=window),
    ]
    return figures, tuple(sorted({name for a in typed for name in a.heavy}))


# --- In the running app: search as you type, opening a patient -------------------------------


@contextlib.contextmanager
def main_window(db: Path | str) -> Iterator:
    """The app's real main window on `db` (offscreen), signed in; closed and deleted
    afterwards."""
    from PySide6.QtCore import QCoreApplication, QEvent, qInstallMessageHandler

    from practitioner_app.app import main
    from practitioner_app.ui.main_window import MainWindow
    from tests.benchmarks.child import list_filled, run_loop_until, sign_in_at_once

    def quiet(_mode, _context, message: str) -> None:
        # The offscreen platform says so on every resize; anything else is shown.
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(quiet)
    window = None
    try:
        window = main(["--db", str(db)], exec_=False)
        if not isinstance(window, MainWindow):
            raise RuntimeError(f"the app could not open {db}")
        sign_in_at_once(window)  # checked once the database is open (a worker thread)
        if not run_loop_until(lambda: list_filled(window)):
            raise RuntimeError("not signed in after a minute: "
                               + window.access.sign_in_dialog.message.text())
        yield window
    finally:
        qInstallMessageHandler(previous)
        if hasattr(window, "close"):
            window.close()
            window.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def search_queries(db: Path | str, count: int = 100, seed: int = 1) -> list[str]:
    """`count` different queries a clinician might type: whole names, given names,
    surname beginnings, folded spellings ("lukasz"), two-word partials, patient numbers
    whole and in part, and queries that match nobody."""
    from practitioner_app.domain.patient import search_key

    con = ServerConnection(db) if is_server(db) else sqlite3.connect(db)
    try:
        people = con.execute("SELECT full_name, number FROM patients ORDER BY id").fetchall()
    finally:
        con.close()
    rng = random.Random(seed)
    no_match = ["zzq", "qxj", "xyzzy", "P999999", "Smithers", "ωωω", "щщщ", "nobody here",
                "ab cd ef", "0000000", "kowalskix", "Q1", "zz top", "jjjj", "Ζζζ"]
    makers: list[Callable[[str, str], str]] = [
        lambda name, number: name,
        lambda name, number: name.split()[0],
        lambda name, number: name.split()[-1][:rng.randint(3, 5)],
        lambda name, number: search_key(name),
        lambda name, number: f"{name.split()[0][:2]} {name.split()[-1][:3]}".lower(),
        lambda name, number: number,
        lambda name, number: number[:rng.randint(3, 5)].lower(),
        lambda name, number: number.lstrip("P0")[-3:] or number,
    ]
    queries: list[str] = []
    seen = set()
    for q in no_match[:max(1, count // 7)]:
        queries.append(q)
        seen.add(q)
    attempts = 0
    while len(queries) < count and people and attempts < count * 50:
        attempts += 1
        name, number = rng.choice(people)
        q = makers[len(queries) % len(makers)](name, number).strip()
        if q and q not in seen:
            seen.add(q)
            queries.append(q)
    rng.shuffle(queries)
    return queries


def _type_character(widget, ch: str) -> None:
    """One key press into `widget`, as a user's keyboard sends it. Non-ASCII characters go
    as a key event with text: QTest.keyClicks aborts the process on them (PITFALLS 4)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    if ch.isascii():
        QTest.keyClicks(widget, ch)
    else:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch,
                           Qt.KeyboardModifier.NoModifier)


def search_statement(services, query: str) -> tuple[str, object] | None:
    """The patient search's main statement for `query` (SQL and parameters, on a server as
    psycopg is given them), or None when the search answered without one (on a file, a
    word found in no name is answered from the trigram index's term list)."""
    statements = _sent_statements(services, lambda: services.patients.search(query))
    return next((s for s in statements if "search_key" in s[0] and "ORDER BY" in s[0]),
                None)


def search_statements(services, query: str) -> list[tuple[str, object]]:
    """Every statement the patient search sends for `query`, in order, to replay as the
    baseline: on a file, as SQLite ran them (sqlite3's trace, values written in, so the
    trigram index's lookups made on the driver's own connection count too); on a server,
    as psycopg is given them."""
    if services.on_server:
        return _sent_statements(services, lambda: services.patients.search(query))
    from sqlalchemy import event

    engine = services._database.engine
    traced: list[str] = []
    connections = []

    def trace(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.set_trace_callback(traced.append)
        connections.append(dbapi_connection)

    event.listen(engine, "checkout", trace)
    try:
        services.patients.search(query)
    finally:
        event.remove(engine, "checkout", trace)
        for connection in connections:
            connection.set_trace_callback(None)
    return [(sql, ()) for sql in traced
            if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


def _sent_statements(services, action: Callable[[], object]) -> list[tuple[str, object]]:
    """The statements `action` sends through SQLAlchemy, with their parameters exactly as
    the driver is given them (psycopg takes a mapping for named parameters)."""
    from tests.sql_capture import sent_sql

    with sent_sql(services) as statements:
        action()
    return statements


def search_figures(window, db: Path | str, queries: Sequence[str]) -> list[Figure]:
    """For each query: everything but its last character is in the search field (and
    the panel shows its first match, as after a pause); time the last key press until
    the list and its selection are updated and painted (events processed). Baseline: the
    SQL the search sent for that query, alone through sqlite3 (psycopg on a server), timed
    right after it (so a burst of load hits both).

    The panel follows the list once typing pauses (ui/main_window.py); when the key
    changed the first match, the time to show it is measured too, from the pause to the
    panel painted. Baseline: that patient's row and session rows read with sqlite3.

    The search's baseline replays every statement the search sent (search_statements):
    on a file, the trigram index's lookups as well as the main statement."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    field = window.search
    panel = window.panel
    ours, bare, follow, follow_bare = [], [], [], []
    con = ServerConnection(db) if is_server(db) else sqlite3.connect(db)
    send = con.native.execute if is_server(db) else con.execute
    try:
        for query in queries:
            field.setText(query[:-1])
            panel.show_pending()
            app.processEvents()
            field.setFocus()
            start = time.perf_counter()
            _type_character(field, query[-1])
            app.processEvents()
            ours.append(time.perf_counter() - start)
            if field.text() != query:
                raise RuntimeError(f"typed {query!r} but the field shows {field.text()!r}")
            if panel.is_pending:  # typing pauses: the panel shows the first match
                start = time.perf_counter()
                panel.show_pending()
                app.processEvents()
                follow.append(time.perf_counter() - start)
                follow_bare.append(_timed(lambda i=int(panel.shown_patient.id): (
                    con.execute("SELECT * FROM patients WHERE id = ?", (i,)).fetchall(),
                    con.execute("SELECT * FROM treatment_sessions WHERE patient_id = ? "
                                "ORDER BY session_date DESC", (i,)).fetchall())))
            sent = search_statements(window.services, query)
            bare.append(_timed(lambda sent=sent: [send(s, p).fetchall() for s, p in sent]))
    finally:
        con.close()
    field.clear()
    panel.show_pending()
    app.processEvents()
    label = f"{len(queries)} queries"
    raw = raw_name(db)
    figures = [
        Figure(f"Search as you type, key → list updated, p50 ({label})",
               _percentile(ours, 50), _percentile(bare, 50), "ms",
               baseline_name=f"same SQL, {raw}"),
        Figure(f"Search as you type, key → list updated, p95 ({label})",
               _percentile(ours, 95), _percentile(bare, 95), "ms", 30.0,
               baseline_name=f"same SQL, {raw}"),
    ]
    if follow:
        figures.append(Figure(
            f"Search: the panel follows once typing pauses, p95 ({len(follow)} of "
            f"{label} changed the first match)", _percentile(follow, 95),
            _percentile(follow_bare, 95), "ms", 50.0, baseline_name=f"{raw} read"))
    return figures


def open_patient_figure(window, clinic: Clinic, repeat: int = 20) -> Figure:
    """Click the series patient in the list (after the scratch patient) and time it
    until the panel shows every session and the screen is updated. Baseline: the
    patient's row and session list rows read with plain sqlite3 (psycopg on a server)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    window.search.setText(BENCH_WORD)
    app.processEvents()
    model, view = window.patients, window.patient_view
    series_row = model.row_of(clinic.series_patient)
    scratch_row = model.row_of(clinic.scratch_patient)
    if series_row < 0 or scratch_row < 0:
        raise RuntimeError("the benchmark patients are not in the list")
    expected = len(clinic.series_sessions)

    def click(row: int) -> None:
        centre = view.visualRect(model.index(row, 1)).center()
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, centre)
        app.processEvents()

    con = ServerConnection(clinic.db) if is_server(clinic.db) else _connect(clinic.db)

    def read() -> None:
        con.execute("SELECT * FROM patients WHERE id = ?", (clinic.series_patient,)).fetchall()
        con.execute(
            "SELECT s.*, count(z.id), max(z.depth_mm) FROM treatment_sessions s "
            "LEFT JOIN zone_treatments z ON z.session_id = s.id WHERE s.patient_id = ? "
            "GROUP BY s.id ORDER BY s.session_date DESC, s.id DESC",
            (clinic.series_patient,)).fetchall()

    ours, bare = [], []
    try:
        for _ in range(repeat):
            click(scratch_row)
            start = time.perf_counter()
            click(series_row)
            ours.append(time.perf_counter() - start)
            panel = window.panel
            if panel.patient is None or panel.patient.id != clinic.series_patient \
                    or panel.sessions.rowCount() != expected:
                raise RuntimeError("the click did not show the series patient's sessions")
            bare.append(_timed(read))
    finally:
        con.close()
    window.search.clear()
    app.processEvents()
    return Figure(f"Open a patient with {expected} sessions (click → panel shown)",
                  _median_ms(ours), _median_ms(bare), "ms", 50.0,
                  baseline_name=f"{raw_name(clinic.db)} read")


# --- Documents and exchange, through the services -------------------------------------------


def report_figures(services, clinic: Clinic, runs: int = 15) -> list[Figure]:
    """The session report and the series summary as the app builds them (read, gather,
    ReportLab), against bare ReportLab documents with the same pages and table rows
    (tests/benchmarks/bench_reports.py)."""
    from tests.benchmarks.bench_reports import bare_document, median_ms, page_count

    session_id = clinic.series_sessions[-1]
    zones = len(services.sessions.get(session_id).needling.zones)
    figures = []
    for name, build, rows, target in (
        ("Session report PDF", lambda: services.reports.session_report(session_id), zones,
         SESSION_REPORT_TARGET_MS),
        (f"Patient summary PDF, {len(clinic.series_sessions)} sessions",
         lambda: services.reports.patient_summary(clinic.series_patient),
         len(clinic.series_sessions), SUMMARY_TARGET_MS),
    ):
        pages = page_count(build())
        ours = median_ms(build, runs)
        bare = median_ms(bare_document(pages, rows, 8), runs)
        figures.append(Figure(f"{name} ({pages} pages)", ours, bare, "ms", target,
                              baseline_name="bare ReportLab"))
    return figures


def exchange_figures(services, clinic: Clinic, runs: int = 5) -> list[Figure]:
    """Export (read + JSON text) and import (parse + check + write) of the series
    patient, against json.dumps / json.loads of the same document. Imports add patients
    under new numbers, so this runs last."""
    from practitioner_app.services.exchange import dumps, parse_json

    count = len(clinic.series_sessions)
    export_times, dumps_times = [], []
    document: dict = {}
    for _ in range(runs + 1):  # the first is a warm-up
        start = time.perf_counter()
        document = services.exchange.export_document(SERIES_NUMBER)
        dumps(document)
        export_times.append(time.perf_counter() - start)
        dumps_times.append(_timed(
            lambda d=document: json.dumps(d, ensure_ascii=False, indent=2)))
    texts = []
    stamp = datetime.now().strftime("%H%M%S")
    for i in range(runs + 1):
        copy = dict(document, patient=dict(document["patient"], number=f"IMP-{stamp}-{i}"))
        texts.append(dumps(copy))
    import_times = [_timed(lambda t=t: services.exchange.import_document(parse_json(t)))
                    for t in texts]
    loads_times = [_timed(lambda t=t: json.loads(t)) for t in texts]
    return [
        Figure(f"Export one patient, {count} sessions, to JSON", _median_ms(export_times[1:]),
               _median_ms(dumps_times[1:]), "ms", baseline_name="json.dumps"),
        Figure(f"Import one patient, {count} sessions, from JSON",
               _median_ms(import_times[1:]), _median_ms(loads_times[1:]), "ms",
               baseline_name="json.loads"),
    ]


# --- The machine and the whole run ----------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import PySide6
    import reportlab
    import sqlalchemy
    from PySide6.QtCore import qVersion

    def first(path: str, key: str) -> str:
        with contextlib.suppress(OSError):
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        return "unknown"

    mem_kb = first("/proc/meminfo", "MemTotal").split()[0]
    ram = f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb.isdigit() else "unknown"
    return {
        "CPUs (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU model": first("/proc/cpuinfo", "model name"),
        "RAM": ram,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Qt / PySide6": f"{qVersion()} / {PySide6.__version__}",
        "SQLite": sqlite3.sqlite_version,
        "SQLAlchemy": sqlalchemy.__version__,
        "ReportLab": reportlab.Version,
    }


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class Options:
    patients: int = 10_000
    seed: int = 1
    #: The issue's ten-year archive: 10,000 patients with 100,000 sessions.
    sessions_per_patient: int | None = 10
    repeat: int = 5
    queries: int = 100
    series: int = 50
    report_runs: int = 15


def run_all(workdir: Path, options: Options,
            progress: Callable[[str], None] = lambda _m: None,
            server: str | None = None, keep: bool = False,
            ) -> tuple[list[Figure], Clinic, list[str]]:
    """Every figure, on a clinic database built in `workdir`, and notes for the reader.

    With `server` (a `postgresql://` URL), on a database of the runner's own created on
    that server instead, dropped at the end unless `keep`; the app's own data folder
    (where it keeps a server database's backups) is then in `workdir` too."""
    if server is None:
        return _run_on(workdir / "clinic.sqlite3", workdir, options, progress)
    with _environment(XDG_DATA_HOME=str(workdir / "data")), \
            bench_database(server, keep) as url:
        progress(f"on the server, in a database of the runner's own "
                 f"({bench_database_name()}) …")
        facts = server_facts(url)
        figures, clinic, notes = _run_on(url, workdir, options, progress)
    return figures, clinic, [*notes, *server_notes(facts)]


def server_notes(facts: dict[str, str]) -> list[str]:
    """The footnotes of a server table: what is measured differently from the file's,
    and what the server was."""
    return [
        "On the clinic server every baseline is the same work sent through raw psycopg "
        "(autocommit, one statement at a time as sqlite3 sends it) to the same server and "
        "database; the demo's baseline inserts into a fresh database on that server, the "
        "save's commits as the server commits (no PRAGMAs: the file's WAL and "
        "synchronous=FULL have no counterpart there). No figure of the file's table is "
        "left out.",
        "Server: " + "; ".join(f"{k} {v}" for k, v in facts.items())
        + (". fsync is off on this server (a test server): commits are not flushed to "
           "disk, which flatters the save and demo figures and their baselines alike."
           if facts.get("fsync") == "off" else "."),
    ]


def _run_on(db: Path | str, workdir: Path, options: Options,
            progress: Callable[[str], None]) -> tuple[list[Figure], Clinic, list[str]]:
    measured = measure(db, workdir, options, progress)
    return measured.figures, measured.clinic, measured.notes


@dataclass
class Measured:
    """One clinic's measurements: the ratio table's figures (empty unless asked for),
    the clinic, notes, and the growth table's values at this size (by GROWTH_ROWS key;
    None where not measured)."""

    figures: list[Figure]
    clinic: Clinic
    notes: list[str]
    values: dict[str, float | None]
    #: Keys of `values` that are lower bounds: the measurement was stopped.
    stopped: frozenset[str] = frozenset()


def measure(db: Path | str, workdir: Path, options: Options,
            progress: Callable[[str], None], table: bool = True,
            growth: bool = False) -> Measured:
    """Build a clinic of options.patients at `db` and measure it: with `table`, every
    figure of the ratio table; with `growth`, the growth table's values too (the first
    start with the file evicted, the audit trail window, the new-patient number, quit,
    signing, the due list, the command line's processes, a year of backups). The year of
    backups changes the clinic, so it comes last."""
    from tests.benchmarks import archive
    from tests.benchmarks.child import NOT_AT_START

    server = is_server(db)
    progress(f"building {options.patients:,} patients …")
    demo, _sessions, _zones = build_clinic(db, options.patients, options.seed,
                                           options.sessions_per_patient, table)
    progress(f"the {options.series}-session patient …")
    save, clinic = add_benchmark_patients(db, options.series)
    clinic = dataclasses.replace(clinic, **dict(zip(("patients", "sessions", "zones"),
                                                    count_rows(db), strict=True)))
    progress("start-up and memory, in separate processes …")
    launches = start_up_launches(db, workdir, options.repeat, at_once=table,
                                 cold=growth and not server)
    start_up: list[Figure] = []
    heavy: tuple[str, ...] = ()
    if table:
        start_up, heavy = start_up_figures(db, workdir, options.repeat, launches)
    else:
        heavy = tuple(sorted({name for a in launches.typed for name in a.heavy}))
    values: dict[str, float | None] = {}
    stopped: set[str] = set()  # values that are only lower bounds
    if growth:
        progress("the due list read again after a change, in a separate process …")
        due = launch("app-due", db, child_environment(workdir), DUE_REFRESH_STOP_S)
        values["due_refresh"] = (due.marks["STOPPED"] if "STOPPED" in due.marks
                                 else due.marks["DUEREFRESH"]) * 1000
        if "STOPPED" in due.marks:
            stopped.add("due_refresh")
        values["due_rows"] = due.marks.get("DUE")
    reports: list[Figure] = []
    exchange: list[Figure] = []
    with _environment(QT_QPA_PLATFORM="offscreen",
                      PRACTITIONER_APP_CONFIG_DIR=str(workdir / "config")):
        progress("search as you type, opening a patient …")
        with main_window(db) as window:
            queries = search_queries(db, options.queries)
            if growth:  # the process's first window: one-off costs kept out of the sizes
                search_figures(window, db, queries[:5])
                open_patient_figure(window, clinic, 2)
            search = search_figures(window, db, queries)
            open_patient = open_patient_figure(window, clinic, max(options.repeat, 5))
            services = window.services
            if table:
                progress("documents, export and import …")
                reports = report_figures(services, clinic, options.report_runs)
                exchange = exchange_figures(services, clinic, options.repeat)
            if growth:
                progress("signing, the due list …")
                sign_ms, argon2_ms = archive.sign_figures(services, clinic,
                                                          max(options.repeat, 3))
                values.update(sign=sign_ms, sign_beyond=max(sign_ms - argon2_ms, 0.0),
                              due=archive.due_list_ms(services, max(options.repeat, 5)))
    notes = [f"Imported before the patient list was filled: {', '.join(heavy)} (should be "
             f"none of {', '.join(NOT_AT_START)})." if heavy else
             f"None of {', '.join(NOT_AT_START)} is imported before the patient list is "
             "filled."]
    figures = ([demo, *start_up[:-1], *search, open_patient, save, *reports, start_up[-1],
                *exchange] if table else [])
    if growth:
        p95 = next(f for f in search if "p95" in f.name and "panel" not in f.name)
        values.update(_launch_values(launches), search_p95=p95.ours,
                      open=open_patient.ours, save=save.ours)
        progress("the command line's processes …")
        commands = archive.command_figures(clinic, workdir, options.repeat)
        values.update(check=commands.check_ms, bare_check=commands.bare_check_ms,
                      check_ratio=commands.check_ms / commands.bare_check_ms,
                      check_mb=commands.check_mb, list=commands.list_ms,
                      report=commands.report_ms)
        notes.append(f"`check` is set against {commands.bare_name}, of the same database "
                     "in the same run" + (f" (its peak memory {commands.bare_check_mb:,.0f} MB)"
                                          if commands.bare_check_mb else "") + ".")
        if launches.backed_up is not None:
            notes.append(f"Closing left a backup after {launches.backed_up} of "
                         f"{len(launches.typed)} launches that changed a setting.")
        if server:
            values["backups"] = None
        else:
            progress("a year of backups …")
            year = archive.backup_year(Path(db), workdir, options.patients,
                                       options.sessions_per_patient, progress)
            if isinstance(year, str):
                values["backups"] = None
                notes.append(f"Backups after a year: {year}.")
            else:
                values["backups"] = year.ratio
                notes.append(
                    f"Backups after a simulated year (run by {year.by}): {year.backups} "
                    f"backups kept of {year.made} made (the ladder's survivors), "
                    f"{year.folder_bytes / 2**20:,.0f} MB in the folder beside a "
                    f"{year.database_bytes / 2**20:,.0f} MB database; of the newest and "
                    f"the oldest, {year.restored_ok} of {year.restored} restored into a new "
                    f"database and passed every check ({year.seconds:.0f} s in all).")
    return Measured(figures, clinic, notes, values, frozenset(stopped))


#: The due list read again after a change is given this long before its process is
#: stopped (the value is then a lower bound).
DUE_REFRESH_STOP_S = 90.0


def _launch_values(launches: StartUps) -> dict[str, float | None]:
    """The growth values the child processes measured: medians, ms or MB."""
    def ms(runs: list[Launch], mark: str) -> float | None:
        found = [r.marks[mark] for r in runs if mark in r.marks]
        return _median_ms(found) if found else None

    peaks = [r.peak_mb for r in launches.typed if r.peak_mb is not None]
    return {
        "bare_window": ms(launches.bare, "READY"),
        "prompt": ms(launches.typed, "PROMPT"),
        "signin": ms(launches.typed, "SIGNIN"),
        "cold_prompt": ms(launches.cold, "PROMPT"),
        "cold_signin": ms(launches.cold, "SIGNIN"),
        "audit": ms(launches.typed, "AUDIT"),
        "number": ms(launches.typed, "NUMBER"),
        "quit": ms(launches.typed, "QUIT"),
        "exit": ms(launches.typed, "EXIT"),
        "app_mb": statistics.median(peaks) if peaks else None,
    }


#: The growth table's rows: (key in Measured.values, name, unit, growth limit, limit).
GROWTH_ROWS: tuple[tuple[str, str, str, float | None, float | None], ...] = (
    ("prompt", "Launch → sign-in prompt", "ms", WAIT_GROWTH, None),
    ("signin", "Sign-in: Enter → patient list and due list filled", "ms", WAIT_GROWTH, None),
    ("cold_prompt", "First start, file evicted from the page cache: launch → sign-in prompt",
     "ms", WAIT_GROWTH, None),
    ("cold_signin", "First start, file evicted: Enter → patient list and due list filled",
     "ms", WAIT_GROWTH, None),
    ("search_p95", "Search as you type, key → list painted, p95", "ms", WAIT_GROWTH, 16.0),
    ("open", "Open a patient with 50 sessions (click → panel shown)", "ms", WAIT_GROWTH,
     None),
    ("save", "Save a full session (SessionService.save)", "ms", WAIT_GROWTH, None),
    ("sign", "Sign a session (SessionService.sign, its password check included)", "ms",
     WAIT_GROWTH, None),
    ("sign_beyond", "Sign a session, beyond its Argon2id password check", "ms", WAIT_GROWTH,
     None),
    ("due", "Due list read as the window reads it (7 days, the 200 soonest)", "ms",
     WAIT_GROWTH, None),
    ("due_rows", "Due list: rows shown after sign-in (not a time)", "rows",
     None, None),
    ("due_refresh", "Due list shown, a patient changed: read again and painted", "ms",
     WAIT_GROWTH, None),
    ("number", "New patient window: open → suggested number shown", "ms", WAIT_GROWTH, None),
    ("audit", "Audit trail window: open → first rows painted", "ms", WAIT_GROWTH, 100.0),
    ("quit", "Quit after a change: close → main window gone", "ms", WAIT_GROWTH, 1000.0),
    ("exit", "Quit: window gone → process ended (what closing still does)", "ms", None, None),
    ("check", "`check`, the whole process", "ms", None, None),
    ("bare_check", "Bare integrity check of the same database (baseline)", "ms", None, None),
    ("check_ratio", "`check` / bare integrity check", "×", None, 3.0),
    ("check_mb", "`check`: peak memory", "MB", WAIT_GROWTH, None),
    ("list", "`patients list QUERY`, the whole process (password check included)", "ms",
     WAIT_GROWTH, None),
    ("report", "`report session ID`, the whole process (password check included)", "ms",
     WAIT_GROWTH, None),
    ("app_mb", "App peak memory: a dozen patients viewed, documents ready", "MB", None,
     None),
    ("backups", "Backups folder after a simulated year / database size", "×", None, 5.0),
    ("bare_window", "Bare PySide6 window start (not ours: the machine's noise)", "ms", None,
     None),
)


@dataclass
class GrowthRun:
    """A whole run: the ratio table at the largest size (figures, clinic, notes) and the
    growth table (rows over sizes, with its notes)."""

    figures: list[Figure]
    clinic: Clinic
    notes: list[str]
    rows: list[Growth]
    sizes: tuple[int, ...]
    growth_notes: list[str]


def growth_rows(values: dict[int, dict[str, float | None]], server: bool,
                stopped: dict[int, frozenset[str]] | None = None) -> list[Growth]:
    """The growth table's rows from each size's values; a row measured nowhere is left
    out, a row left out on purpose says why. `stopped`: by size, the keys whose values
    are only lower bounds."""
    stopped = stopped or {}
    from tests.benchmarks.archive import SERVER_BACKUPS, SERVER_EVICTION

    reasons = {"cold_prompt": SERVER_EVICTION, "cold_signin": SERVER_EVICTION,
               "backups": SERVER_BACKUPS} if server else {}
    rows = []
    for key, name, unit, growth_limit, limit in GROWTH_ROWS:
        found = {size: v[key] for size, v in values.items() if v.get(key) is not None}
        if found or key in reasons:
            bounds = frozenset(size for size in found if key in stopped.get(size, ()))
            note = reasons.get(key, "")
            if bounds:
                note = (f"stopped after {DUE_REFRESH_STOP_S:.0f} s at "
                        f"{', '.join(f'{b:,}' for b in sorted(bounds))} patients")
            rows.append(Growth(name, unit, found, growth_limit, limit, note, bounds))
    return rows


def run_growth(workdir: Path, options: Options, sizes: Sequence[int],
               progress: Callable[[str], None] = lambda _m: None,
               server: str | None = None, keep: bool = False) -> GrowthRun:
    """Measure a clinic of each of `sizes` patients (ascending; the last is
    options.patients), each built afresh with the same seed: the growth values at every
    size, and the ratio table at the largest. A smaller clinic's folder (or server
    database) is removed once measured unless `keep`."""
    values: dict[int, dict[str, float | None]] = {}
    stopped: dict[int, frozenset[str]] = {}
    growth_notes: list[str] = []
    largest: Measured | None = None
    facts: dict[str, str] = {}
    for size in sizes:
        last = size == sizes[-1]
        sized = dataclasses.replace(options, patients=size)
        folder = workdir if last else workdir / f"clinic-{size}"
        folder.mkdir(exist_ok=True)

        def said(message: str, size: int = size) -> None:
            progress(f"[{size:,}] {message}")

        if server is None:
            measured = measure(folder / "clinic.sqlite3", folder, sized, said, table=last,
                               growth=True)
        else:
            suffix = "" if last else f"_{size}"
            with _environment(XDG_DATA_HOME=str(folder / "data")), \
                    bench_database(server, keep, suffix) as url:
                said(f"on the server, in a database of the runner's own "
                     f"({bench_database_name(suffix)}) …")
                if last:
                    facts = server_facts(url)
                measured = measure(url, folder, sized, said, table=last, growth=True)
        values[size] = measured.values
        stopped[size] = measured.stopped
        growth_notes += [f"{size:,} patients: {n}" for n in measured.notes[1:]]
        if last:
            largest = measured
        elif not keep:
            shutil.rmtree(folder, ignore_errors=True)
    assert largest is not None
    notes = [largest.notes[0], *(server_notes(facts) if server else [])]
    return GrowthRun(largest.figures, largest.clinic, notes,
                     growth_rows(values, server is not None, stopped), tuple(sizes),
                     growth_notes)


def growth_text(run: GrowthRun) -> str:
    """The growth table with its explanation and notes, as Markdown."""
    sizes = run.sizes
    reasons: dict[str, list[str]] = {}  # the same reason once, naming each row it leaves out
    for row in run.rows:
        if row.note:
            reasons.setdefault(row.note, []).append(row.name)
    lines = [
        f"Growth: each clinic built afresh by the demo (seed and sessions per patient as "
        f"above) at {', '.join(f'{s:,}' for s in sizes)} patients, measured the same way "
        f"at each size (medians; search p95 over the queries). "
        + (f"Growth is the value at {sizes[-1]:,} patients over the value at "
           f"{sizes[0]:,}." if len(sizes) > 1 else
           "One size only, so no growth: --patients above the smallest of --sizes "
           "measures more."),
        "",
        growth_table(run.rows, sizes),
        "",
        "What the clinician waits for may grow at most "
        f"{WAIT_GROWTH:g}× (20 %); the bare window's row is not ours: it shows how much "
        "the machine itself drifted between the sizes. Command-line figures are whole "
        "processes, from start to exit, peak memory by GNU time.",
        *(f"{'; '.join(names)}: {note}." for note, names in reasons.items()),
        *run.growth_notes,
    ]
    return "\n".join(lines)


def report_text(figures: Sequence[Figure], clinic: Clinic, options: Options,
                command: str, seconds: float, notes: Sequence[str] = (),
                growth: GrowthRun | None = None) -> str:
    """The Markdown written by --out: the table, the scale, the machine, the command;
    with `growth`, the growth table after the ratio table."""
    info = machine()
    lines = [
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on "
        f"{'a PostgreSQL server database' if is_server(clinic.db) else 'a database'} of "
        f"{clinic.patients:,} "
        f"patients, {clinic.sessions:,} sessions and {clinic.zones:,} treated-zone rows "
        f"(demo generator, seed {options.seed}); the whole run took {seconds:.0f} s.",
        "",
        table(figures),
        "",
        "Ratio: our cost over the baseline's (for the demo rate, the baseline's rate over "
        "ours), so 1.0× is as fast as the baseline. Medians of repeated measurements; "
        "search percentiles over the queries. Qt offscreen.",
        *notes,
        *(["", growth_text(growth)] if growth is not None else []),
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        f"Command: `{command}`",
    ]
    return "\n".join(lines) + "\n"


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of patient counts: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are patient counts of at least 1")
    return sizes


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.run",
        description="Build a clinic-scale database and print one table of speed figures, "
                    "each beside a baseline measured in the same run. Exits 0 whatever "
                    "the figures; non-zero only if the runner breaks.")
    parser.add_argument("--patients", type=int, default=10_000,
                        help="demo patients to generate; default 10,000. The ratio table "
                             "is measured at this size, the growth table at each of "
                             "--sizes below it and at this size")
    parser.add_argument("--sizes", type=_sizes, default=DEFAULT_SIZES, metavar="N,N,…",
                        help="clinic sizes of the growth table, each used when below "
                             "--patients; default "
                             + ",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--sessions-per-patient", type=int, default=10, metavar="M",
                        help="their sessions on average (1 to 2M-1 each); default 10, so "
                             "10,000 patients have about 100,000 sessions")
    parser.add_argument("--out", type=Path, metavar="FILE.md",
                        help="also write the table, scale, machine and command here")
    parser.add_argument("--repeat", type=int, default=5,
                        help="repetitions of each start-up and exchange figure "
                             "(reports: three times as many); default 5")
    parser.add_argument("--queries", type=int, default=100,
                        help="different search queries typed; default 100")
    parser.add_argument("--series", type=int, default=50,
                        help="sessions of the patient opened and summarised; default 50")
    parser.add_argument("--seed", type=int, default=1, help="demo generator seed")
    parser.add_argument("--db", metavar="postgresql://USER@HOST[:PORT]/DBNAME",
                        help="measure on this PostgreSQL server instead of an SQLite file: "
                             "the runner creates a database of its own there (bench_<pid>; "
                             "the one named is only used to create and drop it) and drops "
                             "it at the end unless --keep")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder with the database (and the server "
                             "database) and print where they are")
    args = parser.parse_args(argv)
    if args.db is not None:
        from practitioner_app.domain.location import LocationError, parse_location

        try:
            location = parse_location(args.db)
        except LocationError as error:
            parser.error(str(error))
        if not location.is_server:
            parser.error("--db takes a postgresql:// URL (the SQLite run builds its own "
                         "file in a temporary folder)")
    for name in ("patients", "sessions_per_patient", "repeat", "queries", "series"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    options = Options(args.patients, args.seed, args.sessions_per_patient, args.repeat,
                      args.queries, args.series,
                      report_runs=3 * args.repeat)
    from practitioner_app.domain.location import without_password

    # A password typed in the URL is never printed.
    shown = [a.partition("=")[0] + "=" + without_password(a.partition("=")[2])
             if a.startswith("--db=") else without_password(a) if "://" in a else a
             for a in (sys.argv[1:] if argv is None else argv)]
    command = shlex.join([".venv/bin/python", "-m", "tests.benchmarks.run", *shown])
    workdir = Path(tempfile.mkdtemp(prefix="practitioner-bench-"))
    started = time.perf_counter()
    sizes = sizes_for(args.patients, args.sizes)
    try:
        result = run_growth(
            workdir, options, sizes,
            lambda m: print(f"{time.perf_counter() - started:5.0f} s  {m}", file=sys.stderr,
                            flush=True),
            server=args.db, keep=args.keep)
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
            if args.db is not None:
                print(f"kept {without_password(database_url(args.db, bench_database_name()))}",
                      file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report_text(result.figures, result.clinic, options, command,
                       time.perf_counter() - started, result.notes, result)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
