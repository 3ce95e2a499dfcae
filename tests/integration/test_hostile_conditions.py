"""Hostile conditions give a clear message, lose nothing and do not crash: a full disk, a
read-only data folder, the database open in another copy of the app, a file that is not a
database. Real files and real processes throughout; the windows' side is in
tests/ui/test_backup_window.py.

How each is produced:
- full disk: a real small file system (tmpfs, when this machine lets us mount one); a
  process whose file-size limit (RLIMIT_FSIZE) the database reaches; and, in this process,
  SQLite's `PRAGMA max_page_count` on every connection, which gives SQLITE_FULL exactly as
  a full disk does.
- read-only folder: chmod 0o555 / 0o444. chmod does not stop root, so as root the child
  process drops CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER from its capability
  bounding set first (tests/safety_helpers.drop_file_powers): the kernel then really
  refuses its writes (EACCES). In this process, `PRAGMA query_only` stands in.
- another copy: the real app, started as a separate process, holding the lock.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event

from practitioner_app.app import main
from practitioner_app.cli import EXIT_FAILURE, EXIT_OK
from practitioner_app.persistence import file_lock
from practitioner_app.persistence.safety import (
    DatabaseInUse,
    DatabaseLock,
    StorageFull,
    StorageReadOnly,
    backup_database,
    lock_path,
)
from practitioner_app.services.container import open_services
from practitioner_app.services.exchange import dumps
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import (
    counts,
    drop_file_powers,
    integrity,
    is_root,
    lock_holder_pid,
    read_only_folder,
    records,
    sha256,
    wait_until,
)

# About the embedded SQLite file's own mechanism (its bytes, locks, PRAGMAs, query plans).
pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]


def run_cli(db: Path, *args: str, preexec_fn=None, stdin=None) -> subprocess.CompletedProcess:
    """`python main.py --db DB ARGS` as a separate process."""
    return subprocess.run([sys.executable, "main.py", "--db", str(db), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, preexec_fn=preexec_fn,
                          stdin=stdin)


def fill(services, patient_id, limit: int = 2000):
    """Save sessions until the storage refuses one; returns (saved ids, the error)."""
    saved = []
    for _ in range(limit):
        try:
            saved.append(services.sessions.save(patient_id, a_full_session()).id)
        except StorageFull as error:
            return saved, error
    raise AssertionError("the storage never filled up")


# --- a full disk -------------------------------------------------------------------------


def _limit_pages(engine, extra_pages: int):
    @event.listens_for(engine, "connect")
    def limit(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + extra_pages}")

    engine.dispose()  # pooled connections reconnect with the limit
    return limit


def test_a_full_disk_is_a_clear_error_and_loses_nothing(services, db_path):
    patient = services.patients.register(a_patient())
    engine = services._database.engine
    limit = _limit_pages(engine, 3)

    saved, error = fill(services, patient.id)

    assert "is full" in str(error) and "not saved" in str(error)
    engine.dispose()
    assert integrity(db_path) == ["ok"]
    stored = [r.id for r in services.sessions.rows_for_patient(patient.id)]
    assert sorted(stored) == sorted(saved)  # every save that returned is there, no more
    event.remove(engine, "connect", limit)
    engine.dispose()
    services.sessions.save(patient.id, a_full_session())  # space again: saving works


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB file system (tmpfs); skipped where mounting is not allowed."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if not is_root() or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_a_really_full_disk(small_disk):
    db = small_disk / "clinic.sqlite3"
    services = open_services(db)
    try:
        patient = services.patients.register(a_patient())
        free = shutil.disk_usage(small_disk).free
        (small_disk / "ballast").write_bytes(b"\0" * max(0, free - 48 * 1024))

        saved, error = fill(services, patient.id)

        assert "The disk holding the database is full" in str(error)
        with pytest.raises(StorageFull, match="backup .* is full.*backup was not made"):
            backup_database(db, small_disk / "backup.sqlite3")
        assert not list(small_disk.glob("backup.sqlite3*"))  # no partial backup left
        (small_disk / "ballast").unlink()
        services.sessions.save(patient.id, a_full_session())
        assert len(services.sessions.rows_for_patient(patient.id)) == len(saved) + 1
    finally:
        services.close()
    assert integrity(db) == ["ok"]


def test_a_command_that_fills_the_disk_says_so_and_writes_nothing(services, db_path, tmp_path):
    """A real process whose files may not grow past a limit (RLIMIT_FSIZE): the import's
    writes fail part-way; the command says so and the database is as it was."""
    import resource

    source = open_services(tmp_path / "source.sqlite3")
    patient = source.patients.register(a_patient(number="P000555"))
    for _ in range(60):
        source.sessions.save(patient.id, a_full_session())
    document = tmp_path / "big.json"
    document.write_text(dumps(source.exchange.export_document("P000555")), encoding="utf-8")
    source.close()
    services.patients.register(a_patient())
    services.close()
    before = records(db_path)
    limit = 40 * 1024  # room for the 32 KB -shm index; the import's log outgrows it

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG, not death
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = run_cli(db_path, "import", str(document), preexec_fn=small_files)

    assert done.returncode == EXIT_FAILURE
    assert "Traceback" not in done.stderr
    assert "The disk reported an error while writing the database" in done.stderr
    assert "not saved" in done.stderr
    assert records(db_path) == before and integrity(db_path) == ["ok"]


# --- a read-only data folder -------------------------------------------------------------


@pytest.fixture
def read_only_db(services, db_path):
    services.patients.register(a_patient())
    services.close()
    with read_only_folder(db_path.parent):
        yield db_path


def test_a_read_only_folder_refuses_writing_commands_clearly(read_only_db, tmp_path):
    before = {p.name: sha256(p) for p in read_only_db.parent.iterdir() if p.is_file()}
    done = run_cli(read_only_db, "demo", "--patients", "3", preexec_fn=drop_file_powers)
    assert done.returncode == EXIT_FAILURE and "Traceback" not in done.stderr
    assert f"The folder {read_only_db.parent} cannot be written" in done.stderr
    assert "read-only" in done.stderr
    listing = run_cli(read_only_db, "patients", "list", preexec_fn=drop_file_powers)
    assert listing.returncode in (EXIT_OK, EXIT_FAILURE) and "Traceback" not in listing.stderr
    if listing.returncode == EXIT_FAILURE:  # a WAL database needs its -shm file to read
        assert "cannot be opened" in listing.stderr
    assert {p.name: sha256(p) for p in read_only_db.parent.iterdir() if p.is_file()} == before


def test_a_read_only_database_refuses_a_save_clearly(services, db_path):
    """In this process: every connection opened read-only (`PRAGMA query_only`)."""
    patient = services.patients.register(a_patient())

    @event.listens_for(services._database.engine, "connect")
    def read_only(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA query_only = 1")

    services._database.engine.dispose()
    with pytest.raises(StorageReadOnly, match="cannot be written.*not saved"):
        services.sessions.save(patient.id, a_full_session())
    assert services.sessions.rows_for_patient(patient.id) == []


# --- the database open in another copy of the app ----------------------------------------


@pytest.fixture
def running_app(services, db_path, tmp_path):
    """The real app (offscreen) as a separate process, with the database open."""
    services.patients.register(a_patient())
    services.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PRACTITIONER_APP_CONFIG_DIR=str(tmp_path / "other-config"))
    app = subprocess.Popen([sys.executable, "main.py", "--db", str(db_path)], cwd=ROOT,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: lock_holder_pid(db_path) == app.pid or app.poll() is not None,
                   what="the other copy of the app to open the database")
        assert app.poll() is None, app.stderr.read().decode()
        yield app
    finally:
        app.kill()
        app.wait()
        app.stderr.close()


def test_a_second_copy_may_read_but_not_write(capsys, running_app, db_path, tmp_path):
    before = records(db_path)
    status = main(["--db", str(db_path), "demo", "--patients", "2"])
    err = capsys.readouterr().err
    assert status == EXIT_FAILURE
    assert (f"This database is already open in another copy of the app (pid {running_app.pid} "
            f"on host {socket.gethostname()} since ") in err
    assert records(db_path) == before
    backup = tmp_path / "b.sqlite3"
    assert main(["--db", str(db_path), "backup", "-o", str(backup)]) == EXIT_OK  # a read
    assert main(["--db", str(db_path), "restore", str(backup)]) == EXIT_FAILURE  # a write
    assert "already open in another copy of the app" in capsys.readouterr().err
    assert records(db_path) == before

    assert main(["--db", str(db_path), "patients", "list"]) == EXIT_OK
    assert "P000101" in capsys.readouterr().out


def test_a_lock_left_by_a_killed_copy_is_not_in_the_way(capsys, running_app, db_path):
    running_app.send_signal(signal.SIGKILL)
    running_app.wait()
    assert lock_path(db_path).exists()  # left behind, holding the dead copy's details
    status = main(["--db", str(db_path), "demo", "--patients", "2"])
    assert status == EXIT_OK, capsys.readouterr().err
    assert counts(db_path)["patients"] == 3
    assert not lock_path(db_path).exists()  # released and tidied away


def test_two_locks_in_one_process_exclude_each_other(db_path):
    with DatabaseLock(db_path):
        with pytest.raises(DatabaseInUse, match=f"pid {os.getpid()} on host"):
            DatabaseLock(db_path).acquire()
    with DatabaseLock(db_path):  # released: free again
        pass


@pytest.fixture(params=["posix", "windows"])
def lock_kind(request, monkeypatch) -> list[str]:
    """The lock as taken on POSIX (flock) and as on Windows (a byte-range lock, here
    through tests/fake_msvcrt.py); the extra arguments tests.lock_holder needs for it."""
    if request.param == "posix":
        return []
    pytest.importorskip("fcntl")  # the emulation needs POSIX (on Windows: the real one)
    from tests import fake_msvcrt

    monkeypatch.setattr(file_lock, "fcntl", None)
    monkeypatch.setattr(file_lock, "msvcrt", fake_msvcrt)
    # As on Windows, where a holder's pid cannot be checked: only the lock itself can
    # tell that its holder is gone.
    monkeypatch.setattr(file_lock, "_process_alive", lambda _pid: True)
    # A locked range cannot be read on Windows (the emulation's locks are advisory): the
    # holder's details, read by a refused copy, must lie well before it.
    assert file_lock._LOCK_BYTE >= 4096
    return ["--as-on-windows"]


def _holder(db_path, lock_kind: list[str]) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.lock_holder", str(db_path), *lock_kind],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == f"locked {holder.pid}\n"
    except BaseException:
        holder.kill()
        holder.wait()
        raise
    return holder


def test_the_lock_from_a_separate_process(db_path, lock_kind):
    holder = _holder(db_path, lock_kind)
    try:
        with pytest.raises(DatabaseInUse) as refused:
            DatabaseLock(db_path).acquire()
        assert refused.value.holder.pid == holder.pid
        assert f"pid {holder.pid} on host {socket.gethostname()}" in str(refused.value)
        assert "delete" not in str(refused.value)  # nothing for the user to clear up
        holder.stdin.close()  # the holder lets go
        assert holder.wait(timeout=30) == 0
        with DatabaseLock(db_path):
            assert lock_holder_pid(db_path) == os.getpid()
        # POSIX removes the file on letting go; Windows leaves it (see
        # DatabaseLock._release_byte_range), and either way the next copy opens.
        assert lock_path(db_path).exists() == bool(lock_kind)
        with DatabaseLock(db_path):
            pass
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_lock_whose_holder_was_killed_is_taken_over(db_path, lock_kind):
    """A crash or a power cut leaves the lock file behind, with the dead holder's details:
    the system let go of the lock itself, so the next copy opens without anyone having
    to delete anything."""
    holder = _holder(db_path, lock_kind)
    holder.kill()
    holder.wait()
    holder.stdout.close()
    assert lock_holder_pid(db_path) == holder.pid  # left behind
    with DatabaseLock(db_path):
        assert lock_holder_pid(db_path) == os.getpid()


def test_a_lock_that_could_not_be_written_is_not_kept(db_path, monkeypatch):
    """The disk is full as the holder's details are written: the copy is told so, and
    it does not keep the lock (a retry would otherwise be refused, naming itself)."""
    real_write = os.write

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(StorageFull):
        DatabaseLock(db_path).acquire()
    monkeypatch.setattr(os, "write", real_write)
    with DatabaseLock(db_path):
        assert lock_holder_pid(db_path) == os.getpid()


class TestWithoutFileLocks:
    """Where neither flock nor msvcrt is there, the lock file is created exclusively; a
    file left by a process of this host that no longer runs is stale and taken over."""

    @pytest.fixture(autouse=True)
    def _no_flock(self, monkeypatch):
        monkeypatch.setattr(file_lock, "fcntl", None)
        monkeypatch.setattr(file_lock, "msvcrt", None)

    def _left_by(self, db_path, pid: int, host: str) -> None:
        lock_path(db_path).write_text(json.dumps(
            {"pid": pid, "host": host, "since": "2026-11-24T09:00:00"}))

    def test_a_stale_lock_is_taken_over(self, db_path):
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        self._left_by(db_path, gone.pid, socket.gethostname())
        with DatabaseLock(db_path):
            assert lock_holder_pid(db_path) == os.getpid()
        assert not lock_path(db_path).exists()

    def test_a_live_holder_is_respected(self, db_path):
        self._left_by(db_path, os.getpid(), socket.gethostname())
        with pytest.raises(DatabaseInUse, match="since 2026-11-24 09:00.*delete"):
            DatabaseLock(db_path).acquire()

    def test_a_holder_on_another_host_is_respected(self, db_path):
        self._left_by(db_path, 1, "reception-pc")
        with pytest.raises(DatabaseInUse, match="on host reception-pc"):
            DatabaseLock(db_path).acquire()


# --- a file that is not a database -------------------------------------------------------


@pytest.mark.parametrize("command", [["patients", "list"], ["demo", "--patients", "1"],
                                     ["backup"], ["check"]])
def test_a_text_file_is_never_overwritten(capsys, tmp_path, command):
    text = tmp_path / "clinic.sqlite3"
    text.write_text("Appointments\nMonday: Ana\n" * 40, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    status = main(["--db", str(text), *command])
    out, err = capsys.readouterr()
    assert status == EXIT_FAILURE and "Traceback" not in err
    assert f"The file {text} is not a database" in out + err  # check reports on stdout
    assert text.read_text(encoding="utf-8") == "Appointments\nMonday: Ana\n" * 40
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no -wal, -shm, .lock left


def test_someone_elses_sqlite_database_is_not_taken_over(capsys, tmp_path):
    import sqlite3

    other = tmp_path / "accounts.sqlite3"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
    con.execute("INSERT INTO invoices VALUES (1, 99.5)")
    con.commit()
    con.close()
    before = sha256(other)
    status = main(["--db", str(other), "demo", "--patients", "1"])
    assert status == EXIT_FAILURE
    assert "not a practitioner-app database" in capsys.readouterr().err
    assert sha256(other) == before
