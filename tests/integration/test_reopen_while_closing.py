"""Starting the app again right after quitting: the closing copy, its window gone, still
makes its backup and holds the file; its lock says it is closing, so the new copy (the
window's opener, a writing command) waits for it instead of being refused. A copy that
is not closing is refused at once, as ever."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_OK
from practitioner_app.persistence import file_lock
from practitioner_app.persistence.file_lock import DatabaseLock, LockHolder, lock_path
from practitioner_app.services.container import open_services
from practitioner_app.services.opening import InUse, Opened, lock_for, open_database
from tests.closing_lock_holder import Holder
from tests.safety_helpers import counts, lock_holder_pid

# About the file's own lock (a server database has none).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture(params=["posix", "windows"])
def lock_kind(request, monkeypatch) -> list[str]:
    """The lock as taken on POSIX (flock) and as on Windows (tests/fake_msvcrt.py)."""
    if request.param == "posix":
        return []
    pytest.importorskip("fcntl")
    from tests import fake_msvcrt

    monkeypatch.setattr(file_lock, "fcntl", None)
    monkeypatch.setattr(file_lock, "msvcrt", fake_msvcrt)
    return ["--as-on-windows"]


@pytest.fixture
def clinic(db_path) -> Path:
    open_services(db_path).close()  # a real, migrated, sealed clinic file
    return db_path


@pytest.fixture
def holder(clinic, lock_kind):
    held = Holder(clinic, lock_kind)
    yield held
    held.end()


def open_in_background(db: Path, lock) -> tuple[threading.Thread, list]:
    """`open_database` as the window's start-up thread runs it."""
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(open_database(db, lock=lock)),
                              daemon=True)
    thread.start()
    return thread, outcome


def test_the_closing_mark_is_in_the_lock_file_and_readable_without_it(clinic, holder):
    before = json.loads(lock_path(clinic).read_text("utf-8"))
    assert before["pid"] == holder.pid and before["closing"] is False
    holder.closing()
    after = json.loads(lock_path(clinic).read_text("utf-8"))  # trailing blanks allowed
    assert after == {**before, "closing": True}
    # A lock file without the key (an older copy of the app) is a copy not closing.
    del after["closing"]
    assert LockHolder.from_json(json.dumps(after)).closing is False


def test_an_opener_waits_for_a_copy_that_is_closing_and_opens_once_it_lets_go(
        clinic, holder):
    holder.closing()
    lock = lock_for(clinic).acquire()  # not refused: the window shows its sign-in
    assert lock.waiting and not lock.held
    thread, outcome = open_in_background(clinic, lock)
    assert lock_holder_pid(clinic) == holder.pid and outcome == []  # still theirs
    holder.let_go()
    thread.join(timeout=60)
    assert not thread.is_alive()
    [opened] = outcome
    assert isinstance(opened, Opened), opened
    try:
        assert lock.held and lock_holder_pid(clinic) == os.getpid()
        assert opened.services.patients.search("") == []  # the records, to work with
    finally:
        opened.services.close()


def test_a_copy_that_is_not_closing_is_refused_at_once(clinic, holder):
    from practitioner_app.persistence.safety import DatabaseInUse

    lock = lock_for(clinic)
    with pytest.raises(DatabaseInUse) as refused:
        lock.acquire()
    assert f"pid {holder.pid} on host" in str(refused.value)
    assert not lock.waiting and not lock.held


def test_an_opener_gives_up_when_the_closing_copy_does_not_let_go(clinic, holder):
    holder.closing()
    lock = lock_for(clinic).acquire()
    lock.patience = 0.3  # instead of two minutes
    outcome = open_database(clinic, lock=lock)
    assert isinstance(outcome, InUse)
    assert f"pid {holder.pid} on host" in outcome.message
    assert "is closing, but had not finished its backup" in outcome.message
    assert not lock.held and not lock.waiting
    assert lock_holder_pid(clinic) == holder.pid  # theirs, untouched


def test_closing_the_window_stops_an_opener_that_waits(clinic, holder):
    """Quitting the new copy before the old one let go: its opening ends (it does not
    keep the process alive for two minutes) and takes nothing."""
    holder.closing()
    lock = lock_for(clinic).acquire()
    thread, outcome = open_in_background(clinic, lock)
    lock.stop_waiting()  # as ui/data_safety.py's window_closed does
    thread.join(timeout=60)
    assert not thread.is_alive()
    [stopped] = outcome
    assert isinstance(stopped, InUse)
    assert not lock.held and lock_holder_pid(clinic) == holder.pid


def run_waiting(monkeypatch, holder: Holder, argv: list[str]) -> int:
    """Run the command `argv` while `holder` is closing; let `holder` go only once the
    command waits for it (the real `DatabaseLock.wait`, which tells the test it began)."""
    waiting = threading.Event()
    real_wait = DatabaseLock.wait

    def wait(lock):
        waiting.set()
        return real_wait(lock)

    monkeypatch.setattr(DatabaseLock, "wait", wait)
    holder.closing()
    status: list[int] = []
    command = threading.Thread(target=lambda: status.append(main(argv)), daemon=True)
    command.start()
    assert waiting.wait(60)  # not refused: waiting while the closing copy holds the file
    assert status == []
    holder.let_go()
    command.join(timeout=120)
    [done] = status
    return done


def test_a_writing_command_waits_for_a_copy_that_is_closing(clinic, holder, monkeypatch,
                                                            capsys):
    status = run_waiting(monkeypatch, holder, ["--db", str(clinic), "demo", "--patients", "1"])
    assert status == EXIT_OK
    assert counts(clinic)["patients"] == 1
    # Said, so that a command sitting still for a while is not taken for a hang.
    assert "Waiting for the copy of the app that is closing" in capsys.readouterr().err


def test_restore_waits_for_a_copy_that_is_closing(clinic, holder, monkeypatch, tmp_path):
    """Restore (and transfer) work on the file itself (`Maintenance`), not through the
    services: they wait the same way."""
    made = tmp_path / "made.sqlite3"
    assert main(["--db", str(clinic), "backup", "-o", str(made)]) == EXIT_OK
    status = run_waiting(monkeypatch, holder, ["--db", str(clinic), "restore", str(made)])
    assert status == EXIT_OK
    assert lock_holder_pid(clinic) != holder.pid


def test_a_writing_command_is_refused_at_once_by_a_copy_not_closing(clinic, holder, capsys):
    status = main(["--db", str(clinic), "demo", "--patients", "1"])
    assert status != EXIT_OK
    assert (f"already open in another copy of the app (pid {holder.pid}"
            in capsys.readouterr().err)
    assert counts(clinic)["patients"] == 0


def test_a_lock_taken_by_another_copy_meanwhile_is_refused(clinic, holder, lock_kind):
    """The closing copy lets go, but a third copy (not closing) takes the file first:
    the waiting opener is refused, naming that copy."""
    holder.closing()
    lock = lock_for(clinic).acquire()
    assert lock.waiting
    holder.let_go()
    third = Holder(clinic, lock_kind)
    try:
        outcome = open_database(clinic, lock=lock)
        assert isinstance(outcome, InUse)
        assert f"pid {third.pid} on host" in outcome.message
        assert "is closing" not in outcome.message
    finally:
        third.end()


def test_a_lock_without_patience_refuses_a_closing_copy(clinic, holder):
    """Locks other than the opener's (e.g. sealing after a read-only command) never wait."""
    from practitioner_app.persistence.safety import DatabaseInUse

    holder.closing()
    with pytest.raises(DatabaseInUse, match=f"pid {holder.pid} on host"):
        DatabaseLock(clinic).acquire()
