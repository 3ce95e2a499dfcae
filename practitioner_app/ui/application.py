"""Start-up: the QApplication, the database, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from ..paths import backups_dir
from ..services.container import open_services
from .main_window import MainWindow
from .settings import AppSettings


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
    try:
        return app.exec()
    finally:
        services.close()
