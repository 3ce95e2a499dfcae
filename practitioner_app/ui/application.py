"""Start-up: the QApplication, the database, the main window."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtWidgets import QApplication

from .main_window import MainWindow
from .settings import AppSettings
from .startup import main_window_of, open_main_window
from .workers import wait_for_background

log = logging.getLogger(__name__)


def _show_unexpected_error(exc_type, exc, tb) -> None:
    """Last resort for a bug: log it and tell the user, instead of failing silently.
    Saves are all-or-nothing, so nothing was half-saved."""
    from PySide6.QtWidgets import QMessageBox

    log.error("Unexpected error\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    QMessageBox.critical(
        QApplication.activeWindow(), "Unexpected error",
        "Something went wrong and the last action was not completed. Nothing was "
        f"half-saved.\n\n{exc_type.__name__}: {exc}")


def start(db_path: Path, exec_: bool = True, assessment=None, first_look=None):
    """Show the main window on `db_path`; it asks who is there while the database opens
    on a worker thread (ui/startup.py).

    With `exec_=False` returns the shown window (or the message saying why the database
    cannot be opened) without running the event loop; otherwise runs the loop and returns
    the exit status: 1 when the user was told the database cannot be used, else the
    loop's (0, also for quitting before the database had opened).
    """
    if QApplication.instance() is None:
        from .qt_libraries import display_problem, tell

        problem = display_problem()  # Qt would abort naming no library
        if problem is not None:
            tell(problem)
            return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("practitioner-app")
    app.setApplicationDisplayName("Practitioner")
    shown = open_main_window(db_path, _main_window, assessment, first_look)
    if not exec_:
        return shown
    previous_hook, sys.excepthook = sys.excepthook, _show_unexpected_error
    opening = getattr(shown, "opening", None)
    try:
        status = app.exec()
    finally:
        sys.excepthook = previous_hook
        wait_for_background()  # a document, backup or the opening ends before the process
        if opening is not None:
            opening.finish()  # quit while the database was still opening: let go of it
        window = main_window_of(shown)
        if window is not None:
            window.services.close()
    if opening is None or opening.problem:  # the database could not be used: said why
        return 1
    return status


def _main_window(db_path: Path, has_accounts: bool) -> MainWindow:
    window = MainWindow(AppSettings(), db_path, has_accounts)
    window.show()
    return window
