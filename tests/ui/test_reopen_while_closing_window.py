"""Quitting and starting again at once: the copy that quit (window gone, backup still
being made) marks its lock as closing, and the copy starting meanwhile shows its sign-in
prompt and opens once the other has let go, instead of saying the database is in use."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from practitioner_app.app import main
from practitioner_app.persistence.file_lock import lock_path
from practitioner_app.services.opening import InUse, Opened, lock_for, open_database
from practitioner_app.ui.dialogs.sign_in_dialog import OPENING, SignInDialog
from tests.closing_lock_holder import Holder
from tests.factories import a_patient
from tests.safety_helpers import lock_holder_pid

from .conftest import PASSWORD, USERNAME, ensure_admin
from .helpers import hold_closing_backup

# About the file's own lock (a server database has none).
pytestmark = pytest.mark.sqlite_only


def lock_details(db_path: Path) -> dict:
    return json.loads(lock_path(db_path).read_text("utf-8"))


def test_the_closing_window_marks_its_lock_and_a_new_opener_waits_for_it(
        qtbot, start_app, db_path):
    window = start_app()
    window.services.patients.register(a_patient(number="P000321"))
    release, started = hold_closing_backup(window)
    safety = window.data_safety
    assert lock_details(db_path)["closing"] is False

    window.close()
    assert started.wait(20)
    details = lock_details(db_path)  # written by the real close path, in place
    assert details["pid"] == os.getpid() and details["closing"] is True

    lock = lock_for(db_path).acquire()  # a copy starting now is not refused…
    assert lock.waiting
    outcome: list = []
    opener = threading.Thread(
        target=lambda: outcome.append(open_database(db_path, lock=lock)), daemon=True)
    opener.start()
    with qtbot.waitSignal(safety.closed_backup_done, timeout=30_000) as done:
        release.set()
    assert done.args[0] is not None  # the backup was made before the file was let go
    opener.join(timeout=60)
    [opened] = outcome  # … and opens once the closing copy has let go
    assert isinstance(opened, Opened), opened
    try:
        assert lock.held and lock_details(db_path)["closing"] is False
        assert opened.services.patients.get_by_number("P000321")
    finally:
        opened.services.close()


@pytest.fixture
def closing_copy(db_path):
    ensure_admin(db_path)
    copy = Holder(db_path).closing()  # its window closed; its backup still running
    yield copy
    copy.end()


def test_the_window_asks_who_is_there_while_the_closing_copy_finishes(
        qtbot, db_path, closing_copy):
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    dialog = window.access.sign_in_dialog  # the prompt, not "already open in another copy"
    assert isinstance(dialog, SignInDialog) and dialog.isVisible()
    assert window.opening.lock.waiting
    assert window.statusBar().currentMessage() == (
        "Waiting for the copy of the app that is closing to finish its backup…")
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    assert not dialog.attempt()  # kept until the database is open
    assert dialog.message.text() == OPENING and not dialog.sign_in_button.isEnabled()
    assert lock_holder_pid(db_path) == closing_copy.pid and window.services is None

    with qtbot.waitSignal(dialog.signed_in, timeout=30_000):
        closing_copy.let_go()
    assert window.services.accounts.current_user.username == USERNAME
    assert lock_holder_pid(db_path) == os.getpid()
    with qtbot.waitSignal(window.data_safety.closed_backup_done, timeout=30_000):
        window.close()


def test_quitting_while_waiting_for_the_closing_copy_stops_waiting(
        qtbot, db_path, closing_copy):
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.built, timeout=20_000):  # once the prompt has painted
        pass
    assert window.opening.lock.waiting
    with qtbot.waitSignal(window.opening.task.finished, timeout=30_000) as ended:
        window.close()
    # The opening gave up (it does not keep a quitting app alive for two minutes) and
    # took nothing: the closing copy still holds the file.
    assert isinstance(ended.args[0], InUse)
    assert not window.opening.lock.held and not window.opening.lock.waiting
    assert lock_holder_pid(db_path) == closing_copy.pid


def test_quitting_before_the_window_is_built_stops_waiting_too(qtbot, db_path, closing_copy):
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    assert not window.is_built and window.opening.lock.waiting
    with qtbot.waitSignal(window.opening.task.finished, timeout=30_000) as ended:
        window.close()
    assert isinstance(ended.args[0], InUse)
    assert not window.opening.lock.held and not window.opening.lock.waiting
    assert lock_holder_pid(db_path) == closing_copy.pid
