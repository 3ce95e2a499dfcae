"""The window shows before its database is open: it asks who is there at once, opens the
database on a worker thread, and checks an answer given sooner as soon as it can.

Each test answers straight after `main()` returns, before the event loop has run once,
so the database cannot have been handed over yet: the early path is taken every time.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMessageBox

from practitioner_app.app import main
from practitioner_app.domain.audit import Action
from practitioner_app.services.backup import DatabaseLock, StorageError
from practitioner_app.services.container import open_services
from practitioner_app.ui.dialogs.sign_in_dialog import OPENING, FirstRunDialog, SignInDialog
from tests.factories import a_patient

from .conftest import PASSWORD, USERNAME, ensure_admin, wait_until_open
from .helpers import click

ROOT = Path(__file__).resolve().parents[2]


def lock_is_free(db_path: Path) -> bool:
    """Whether another copy of the app could open the database for writing now."""
    try:
        with DatabaseLock(db_path):
            return True
    except StorageError:
        return False


def test_an_answer_given_before_the_database_is_open_is_checked_once_it_is(qtbot, db_path):
    ensure_admin(db_path)
    services = open_services(db_path)
    services.accounts.sign_in(USERNAME, PASSWORD)
    services.patients.register(a_patient(full_name="Zoë <Early> Ñame"))
    services.close()

    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    dialog = window.access.sign_in_dialog
    # Shown at once, with nothing of the records (the rest of the window is built once
    # the prompt has painted).
    assert isinstance(dialog, SignInDialog) and dialog.isVisible()
    assert window.services is None and not window.centralWidget().isVisible()
    assert not window.is_built
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    assert not dialog.attempt()  # kept, not refused
    assert dialog.message.text() == OPENING and not dialog.sign_in_button.isEnabled()

    with qtbot.waitSignal(dialog.signed_in, timeout=20_000):
        pass
    assert window.services.accounts.current_user.username == USERNAME
    assert window.centralWidget().isVisible() and window.new_patient_action.isEnabled()
    assert window.patients.row_data(0).full_name == "Zoë <Early> Ñame"
    assert window.services.audit.find()[0].action == Action.SIGN_IN
    window.close()


def test_the_rest_of_the_window_is_built_behind_the_prompt_with_only_quit_enabled(
        qtbot, db_path):
    ensure_admin(db_path)
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    assert window.access.sign_in_dialog.isVisible() and not window.is_built
    with qtbot.waitSignal(window.built, timeout=20_000):  # once the prompt has painted
        pass
    assert window.menuBar().actions() and window.patient_view.model() is window.patients
    assert not window.centralWidget().isVisible()
    assert not any(dock.isVisible() for dock in window.findChildren(QDockWidget))
    enabled = [a.text() for a in window.findChildren(QAction) if a.isEnabled()]
    assert enabled == [window.quit_action.text()]
    assert window.patients.rowCount() == 0 and window.access.sign_in_dialog.isVisible()
    wait_until_open(qtbot, window)
    window.close()


def test_a_wrong_early_answer_is_refused_once_the_database_is_open(qtbot, db_path):
    ensure_admin(db_path)
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    dialog = window.access.sign_in_dialog
    dialog.username.setText(USERNAME)
    dialog.password.setText("not the password")
    dialog.attempt()
    with qtbot.waitSignal(window.services_attached, timeout=20_000):
        pass
    assert "Wrong username or password" in dialog.message.text()
    assert dialog.isVisible() and dialog.password.text() == ""
    assert window.services.accounts.current_user is None
    assert not window.centralWidget().isVisible()
    window.close()


def test_the_first_administrator_asked_for_early_is_created_once_open(qtbot, db_path):
    window = main(["--db", str(db_path)], exec_=False)  # a database not yet made
    qtbot.addWidget(window)
    dialog = window.access.sign_in_dialog
    assert isinstance(dialog, FirstRunDialog)
    for box, text in ((dialog.username, "admin"), (dialog.full_name, "Dr Ödön Kovács"),
                      (dialog.password, "long enough password"),
                      (dialog.password_again, "long enough password")):
        box.setText(text)
    assert not dialog.create()
    assert dialog.message.text() == OPENING and not dialog.create_button.isEnabled()
    with qtbot.waitSignal(dialog.signed_in, timeout=20_000):
        pass
    assert window.services.accounts.current_user.full_name == "Dr Ödön Kovács"
    assert window.centralWidget().isVisible()
    window.close()


@pytest.mark.parametrize("database", ["sound", "not a database"])
def test_quitting_before_the_database_is_open_lets_go_of_it(qtbot, db_path, database):
    if database == "sound":
        ensure_admin(db_path)
    else:
        db_path.write_text("Monday: Ana\n" * 100)
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    window.close()  # at once, while the worker thread is still opening
    # The lock goes once the opening thread's answer arrives (held until then).
    qtbot.waitUntil(lambda: lock_is_free(db_path), timeout=20_000)
    assert window.services is None and window.opening.shown is None  # nothing more shown


def test_a_database_from_a_newer_app_is_told_over_the_window_which_then_closes(qtbot,
                                                                            db_path):
    ensure_admin(db_path)
    with sqlite3.connect(db_path) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.close()
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.opening.settled, timeout=20_000):
        pass
    box = window.opening.shown
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "could not be opened" in box.text() and str(db_path) in box.text()
    assert not window.access.sign_in_dialog.isVisible() and window.services is None
    click(qtbot, box.button(QMessageBox.StandardButton.Ok))
    assert not window.isVisible()
    assert lock_is_free(db_path)


def test_the_gui_thread_shows_the_window_without_sqlalchemy(tmp_path):
    """What keeps the window quick: SQLAlchemy (~0.5 s to import) is imported by the
    opening thread only, never by the thread that builds and shows the window."""
    ensure_admin(tmp_path / "clinic.sqlite3")
    script = textwrap.dedent(f"""
        import importlib.abc, sys, threading
        importers = []

        class Watch(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name in ("sqlalchemy", "argon2") and name not in sys.modules:
                    importers.append((name, threading.current_thread().name))
                return None

        sys.meta_path.insert(0, Watch())
        from practitioner_app.app import main
        from tests.benchmarks.child import run_loop_until
        window = main(["--db", {str(tmp_path / "clinic.sqlite3")!r}], exec_=False)
        shown = window.isVisible() and window.access.sign_in_dialog.isVisible()
        assert run_loop_until(lambda: window.services is not None, 30)
        print(shown, sorted(importers))
        window.close()
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    shown, _, importers = out.stdout.strip().partition(" ")
    assert shown == "True"
    assert "sqlalchemy" in importers and "MainThread" not in importers, importers


#: Parts of the window the prompt does not need; `build` loads these behind it, while the
#: clinician types (each costs milliseconds a clinician would wait for).
BUILT_BEHIND_THE_PROMPT = ("practitioner_app.ui.data_safety",
                           "practitioner_app.ui.models.patient_table_model",
                           "practitioner_app.ui.widgets.patient_panel")
#: ... and these load later still: the input widgets with the first form, ReportLab with
#: the document machinery after sign-in.
NOT_AT_THE_PROMPT = (*BUILT_BEHIND_THE_PROMPT, "practitioner_app.ui.widgets.fields",
                     "reportlab")


def test_the_prompt_shows_before_the_rest_of_the_window_is_imported(tmp_path):
    ensure_admin(tmp_path / "clinic.sqlite3")
    script = textwrap.dedent(f"""
        import sys
        from practitioner_app.app import main
        from tests.benchmarks.child import run_loop_until
        window = main(["--db", {str(tmp_path / "clinic.sqlite3")!r}], exec_=False)
        at_prompt = sorted(set({NOT_AT_THE_PROMPT!r}) & set(sys.modules))
        assert run_loop_until(lambda: window.is_built, 30)
        built = sorted(set({BUILT_BEHIND_THE_PROMPT!r}) & set(sys.modules))
        print(window.access.sign_in_dialog.isVisible(), at_prompt, built)
        window.close()
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"True [] {sorted(BUILT_BEHIND_THE_PROMPT)}"


def test_the_prompt_makes_none_of_qts_namespace_enumerations(tmp_path):
    """Naming `Qt` (the namespace of ~90 enumerations: alignment, connection types, window
    modality …) makes all of them at once, about 30 ms; the window asking who is there
    needs none. Once signed in, the check left for after sign-in does use them."""
    ensure_admin(tmp_path / "clinic.sqlite3")
    script = textwrap.dedent(f"""
        import sys
        from practitioner_app.app import main
        from tests.benchmarks.child import run_loop_until
        window = main(["--db", {str(tmp_path / "clinic.sqlite3")!r}], exec_=False)
        import PySide6.QtCore
        at_prompt = "Qt" in vars(PySide6.QtCore)
        assert run_loop_until(lambda: window.is_built, 30)
        print(window.access.sign_in_dialog.isVisible(), at_prompt,
              "Qt" in vars(PySide6.QtCore))
        window.close()
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True False True"  # the rest of the window names them


def test_the_prompts_plain_python_modules_are_imported_before_pyside6(tmp_path):
    """Once PySide6 is loaded, its import hook reads and scans the source of every module
    imported after it; so the modules of the app outside the windows' package that the
    prompt needs (the opener, the lock, the change notices), and the standard library's
    socket and ctypes, are imported first (app.load_before_qt)."""
    ensure_admin(tmp_path / "clinic.sqlite3")
    script = textwrap.dedent(f"""
        import importlib.abc, sys, threading
        late = []

        class Watch(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if ("PySide6" in sys.modules and name not in sys.modules
                        and threading.current_thread() is threading.main_thread()):
                    late.append(name)
                return None

        sys.meta_path.insert(0, Watch())
        from practitioner_app.app import main
        window = main(["--db", {str(tmp_path / "clinic.sqlite3")!r}], exec_=False)
        at_prompt = list(late)
        from tests.benchmarks.child import run_loop_until
        assert run_loop_until(lambda: window.services is not None, 30)
        print(window.access.sign_in_dialog.isVisible(), sorted(
            n for n in at_prompt if n in ("socket", "ctypes") or (
                n.startswith("practitioner_app.") and not n.startswith("practitioner_app.ui"))))
        window.close()
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True []"


def test_a_file_that_cannot_be_read_is_told_once(qtbot, db_path):
    db_path.mkdir()  # a folder where the database should be: unreadable as a database
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    told = []
    window.opening.settled.connect(lambda: told.append(window.opening.shown))
    qtbot.waitUntil(lambda: window.opening.shown is not None, timeout=20_000)
    assert len(told) == 1 and isinstance(told[0], QMessageBox)
    assert str(db_path) in told[0].text() and window.opening.problem
    assert lock_is_free(db_path)


def test_quitting_the_app_while_the_database_opens_ends_cleanly(tmp_path):
    """The real event loop, quit at its first turn (long before SQLAlchemy has loaded in
    a new process): the app waits for the opening thread, closes what it opened, lets go
    of the lock, and reports a normal exit."""
    db = tmp_path / "clinic.sqlite3"
    ensure_admin(db)
    script = textwrap.dedent(f"""
        from PySide6.QtCore import QTimer
        from practitioner_app.app import main
        from practitioner_app.services.backup import DatabaseLock
        from practitioner_app.ui import application

        opened = application.open_main_window
        def open_and_quit(*args, **kwargs):
            window = opened(*args, **kwargs)
            QTimer.singleShot(0, window.close)
            return window
        application.open_main_window = open_and_quit
        status = main(["--db", {str(db)!r}])
        with DatabaseLock({str(db)!r}):  # refused if still held
            print("status", status)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "status 0"
    assert "Traceback" not in out.stderr and "Error calling" not in out.stderr, out.stderr


def test_a_window_deleted_before_the_database_opens_still_lets_go_of_it(qtbot, db_path):
    ensure_admin(db_path)
    window = main(["--db", str(db_path)], exec_=False)
    window.close()
    shiboken6.delete(window)  # gone, not merely closed (tests and embedding do this)
    qtbot.waitUntil(lambda: lock_is_free(db_path), timeout=20_000)
