from __future__ import annotations

import pytest

from practitioner_app.app import main
from practitioner_app.services.container import open_services

#: The administrator every `start_app` window is signed in as.
USERNAME, FULL_NAME, ROLE, REGISTRATION = (
    "jroe", "Dr Jane Roe", "Aesthetic nurse prescriber", "NMC 12A3456B")
PASSWORD = "correct horse battery"


def ensure_admin(db_path) -> None:
    services = open_services(db_path)
    try:
        if not services.accounts.has_accounts():
            services.accounts.create_first_admin(USERNAME, FULL_NAME, ROLE, REGISTRATION,
                                                 PASSWORD)
    finally:
        services.close()


def wait_until_open(qtbot, window) -> None:
    """Until the window's database is open (or it was told why it cannot be). A signal,
    not `waitUntil`: its polling keeps Python's GIL and starves the opening thread."""
    if not window.opening.is_settled:
        with qtbot.waitSignal(window.opening.settled, timeout=20_000):
            pass


@pytest.fixture
def start_app(qtbot, db_path):
    """Start the real app on the test's database file and sign in as the administrator
    through the real sign-in dialog; returns the main window. `signed_in=False` returns it
    at the sign-in (or first-run) dialog instead. May be called again to simulate closing
    and reopening the app."""
    windows = []

    def start(path=None, signed_in: bool = True):
        path = path or db_path
        if signed_in:
            ensure_admin(path)
        window = main(["--db", str(path)], exec_=False)
        qtbot.addWidget(window)
        windows.append(window)
        # The window asks who is there at once and opens the database on a worker thread;
        # a clinician types meanwhile. (Answering sooner: test_access_window.)
        wait_until_open(qtbot, window)
        if signed_in:
            dialog = window.access.sign_in_dialog
            dialog.username.setText(USERNAME)
            dialog.password.setText(PASSWORD)
            assert dialog.attempt(), dialog.message.text()
        return window

    yield start
    for window in windows:
        window.close()
    # Each window's closing backup runs after it on the worker thread: finish it here, and
    # deliver its answer, so it never lands in the next test (nor holds its file).
    from PySide6.QtWidgets import QApplication

    from practitioner_app.ui import data_safety

    data_safety.wait_for_closing()
    QApplication.processEvents()
