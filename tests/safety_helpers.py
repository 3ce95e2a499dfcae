"""Helpers for the backup, restore and hostile-condition tests: real files, real damage.
`query`, `counts`, `records` and `every_row` also read a server database's URL."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from practitioner_app.persistence import migrator
from practitioner_app.persistence.safety import lock_path
from tests.server_helpers import is_server
from tests.server_helpers import query as server_query

RECORD_TABLES = ("patients", "treatment_sessions", "zone_treatments")


def query(path: Path | str, sql: str) -> list[tuple]:
    """Rows of `sql` on the SQLite file `path` (opened read-only), or on a server
    database when `path` is a `postgresql://` URL."""
    if is_server(path):
        return server_query(path, sql)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def counts(path: Path | str) -> dict[str, int]:
    return {t: query(path, f"SELECT count(*) FROM {t}")[0][0] for t in RECORD_TABLES}


def records(path: Path | str) -> dict[str, list[tuple]]:
    """Every row of the record tables, for comparing two databases exactly."""
    return {t: query(path, f"SELECT * FROM {t} ORDER BY id") for t in RECORD_TABLES}


def every_row(path: Path | str) -> dict[str, list[tuple]]:
    """Every row of every table (the audit trail and settings included), in stored
    order: for proving that something wrote nothing at all."""
    tables = [r[0] for r in query(
        path, "SELECT table_name FROM information_schema.tables WHERE table_schema = "
              "current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        if is_server(path) else
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: query(path, f'SELECT * FROM "{t}"') for t in tables}


def integrity(path: Path) -> list[str]:
    return [r[0] for r in query(path, "PRAGMA integrity_check")]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the main file (no connection may be open)."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def damage(path: Path, table: str = "treatment_sessions") -> None:
    """Overwrite the root page of `table` with garbage, as a failing disk might. Every
    connection to `path` must be closed first."""
    checkpoint(path)
    page_size, root = query(path, "PRAGMA page_size")[0][0], query(
        path, f"SELECT rootpage FROM sqlite_master WHERE name = '{table}'")[0][0]
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(bytes([0x0D, 0xFF, 0xFF, 0xFF]) + b"\xa5" * (page_size - 4))


def set_revision(path: Path, revision: str) -> None:
    con = sqlite3.connect(path)
    try:
        con.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        con.commit()
    finally:
        con.close()


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0,
               what: str = "the condition") -> None:
    """Poll `predicate` (a file another process writes) until true; fails after
    `timeout` seconds, which only a hung process reaches."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def lock_holder_pid(db: Path) -> int | None:
    """The pid written in `db`'s lock file, if any."""
    try:
        import json

        return json.loads(lock_path(db).read_text("utf-8"))["pid"]
    except (OSError, ValueError, KeyError):
        return None


NEWER_MIGRATION = '''
"""Test-only: copy-and-drop the tables with children, as a real batch migration would."""
import warnings

import sqlalchemy as sa
from alembic import op

revision = "9001_test_copy"
down_revision = {down!r}
branch_labels = depends_on = None


def upgrade():
    foreign_keys = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar()
    if foreign_keys:
        raise RuntimeError("migrations must run with foreign keys off")
    # A copy cannot read back an index on an expression, so it must create it again.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        for table in ("patients", "treatment_sessions"):
            with op.batch_alter_table(table, recreate="always") as batch:
                batch.add_column(sa.Column("test_extra", sa.String(), nullable=True))
    op.execute("CREATE INDEX ix_patients_number_length ON patients (length(number), number)")
'''


def install_newer_migration(tmp_path: Path, monkeypatch) -> str:
    """Make this app one migration newer than every database made so far (a copy of the
    migration scripts plus one test migration that copies and drops tables); returns the
    new head revision."""
    scripts = tmp_path / "newer-migrations"
    shutil.copytree(migrator.MIGRATIONS_DIR, scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9001_test_copy.py").write_text(
        NEWER_MIGRATION.format(down=migrator.HEAD_REVISION))
    monkeypatch.setattr(migrator, "MIGRATIONS_DIR", scripts)
    monkeypatch.setattr(migrator, "HEAD_REVISION", "9001_test_copy")
    return "9001_test_copy"


# --- a read-only data folder, even for root ----------------------------------------------
#
# chmod does not stop root: the kernel lets a process with CAP_DAC_OVERRIDE (and
# CAP_DAC_READ_SEARCH, CAP_FOWNER) write anywhere. Tests running as root therefore drop
# those three capabilities, so file permissions apply to them as to any user: in a child
# process from its bounding set before exec (`drop_file_powers`), in this process from
# the calling thread's effective set for the length of a block (`file_permissions_apply`).
# Then a folder chmod-ed 0o555 with the database 0o444 really is read-only (EACCES).

_FILE_POWERS = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
_PR_CAPBSET_DROP = 24
_CAPABILITY_VERSION_3 = 0x20080522


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def drop_file_powers() -> None:
    """preexec_fn for a child process that must obey file permissions even as root."""
    if not is_root():
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _FILE_POWERS:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


def _capabilities():
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc = ctypes.CDLL(None, use_errno=True)
    header, data = Header(_CAPABILITY_VERSION_3, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")

    def set_effective(value: int) -> None:
        data[0].effective = value
        if libc.capset(ctypes.byref(header), data) != 0:
            raise OSError(ctypes.get_errno(), "capset")

    return data[0].effective, set_effective


@contextlib.contextmanager
def file_permissions_apply():
    """Within the block this thread obeys file permissions, even as root."""
    if not is_root():
        yield
        return
    effective, set_effective = _capabilities()
    mask = sum(1 << cap for cap in _FILE_POWERS)
    set_effective(effective & ~mask)
    try:
        yield
    finally:
        set_effective(effective)


@contextlib.contextmanager
def read_only_folder(folder: Path):
    """`folder` and every file in it read-only (0o555 / 0o444) for the block."""
    files = [p for p in folder.iterdir() if p.is_file()]
    modes = {p: p.stat().st_mode for p in [folder, *files]}
    for path in files:
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
