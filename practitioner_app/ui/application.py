"""Start-up: the QApplication, the database, the main window."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from ..paths import backups_dir
from ..services.container import open_services
from .main_window import MainWindow
from .settings import AppSettings

log = logging.getLogger(__name__)


def _show_unexpected_error(exc_type, exc, tb) -> None:
    """Last resort for a bug: log it and tell the user, instead of failing silently.
    Saves are all-or-nothing, so nothing was half-saved."""
    log.error("Unexpected error\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    QMessageBox.critical(
        QApplication.activeWindow(), "Unexpected error",
        "Something went wrong and the last action was not completed. Nothing was "
        f"half-saved.\n\n{exc_type.__name__}: {exc}")


def start(db_path: Path, exec_: bool = True):
    """Open the database at `db_path` and show the main window.

    With `exec_=False` returns the shown window without running the event loop;
    otherwise runs the loop and returns the exit status.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("practitioner-app")
    app.setApplicationDisplayName("Practitioner")
    try:
        services = open_services(db_path, backups_dir(db_path))
    except Exception as error:  # any failure to open is shown, never a silent exit
        QMessageBox.critical(
            None, "Cannot open the clinic database",
            f"The database at\n{db_path}\ncould not be opened:\n\n{error}")
        return 1
    window = MainWindow(services, AppSettings())
    window.show()
    if not exec_:
        window.destroyed.connect(services.close)
        return window
    previous_hook, sys.excepthook = sys.excepthook, _show_unexpected_error
    try:
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        services.close()
