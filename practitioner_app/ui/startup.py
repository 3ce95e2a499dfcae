"""Opening the database for the windows, safely.

In order: take the database's lock (one writing copy of the app per database), run the
cheap check (`PRAGMA quick_check`), then open and migrate. When any step fails the user is
told plainly in a window, never by a silent exit:

- another copy of the app has it open → "This database is already open in another copy of
  the app (pid N on host H since T)";
- damaged, not a database, not ours → a RestoreDialog offering the newest good backup;
  nothing is restored until the user confirms, and the damaged file is kept aside;
- anything else (read-only folder, no permission, failed migration) → a message.

The window or message shown is returned, so tests drive it like the main window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ..paths import backups_dir
from ..services.backup import Assessment, BackupService, DatabaseLock, StorageError, assess
from ..services.container import Services, open_services
from .dialogs.recovery_dialog import RestoreDialog

log = logging.getLogger(__name__)

MakeWindow = Callable[[Services], QWidget]


def open_main_window(db_path: Path, make_window: MakeWindow,
                     assessment: Callable[[], Assessment] | None = None) -> QWidget:
    """The main window on `db_path`, or the (shown) window saying why not yet.

    `assessment` gives the start-up check's answer when it was started earlier (app.main
    runs it while the windows' code is imported); by default it is made here. A
    RestoreDialog returned here gets the main window in its `main_window` attribute once
    a restore has succeeded.
    """
    lock = DatabaseLock(db_path)
    try:
        lock.acquire()
    except StorageError as error:  # in use by another copy, or a read-only folder
        return problem_box(db_path, str(error))
    found = assessment() if assessment is not None else assess(db_path)
    if found.usable:
        return _open(db_path, lock, make_window)
    if not found.can_restore:
        lock.release()
        return problem_box(db_path, found.message())
    return _recovery(db_path, found.message(), lock, make_window)


def _open(db_path: Path, lock: DatabaseLock, make_window: MakeWindow) -> QWidget:
    try:
        services = open_services(db_path, backups_dir(db_path), lock=lock)
    except Exception as error:  # any failure to open is shown, never a silent exit
        lock.release()
        log.warning("Cannot open %s: %s", db_path, error)
        return problem_box(db_path, f"The database could not be opened:\n\n{error}")
    return make_window(services)


def problem_box(db_path: Path, text: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open the clinic database",
                      f"{text}\n\nDatabase: {db_path}")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box


def _recovery(db_path: Path, problem: str, lock: DatabaseLock,
              make_window: MakeWindow) -> RestoreDialog:
    backup = BackupService(db_path, backups_dir(db_path))
    good = backup.newest_good_backup()
    advice = (f"The newest good backup is {good.path.name}, made {good.made:%Y-%m-%d %H:%M}. "
              "Restore it? The damaged file is kept aside in the backups folder, untouched."
              if good is not None else
              f"No good backup was found in {backup.backups_dir}. Choose a backup file kept "
              "elsewhere, or quit and ask for help; nothing has been changed.")
    dialog = RestoreDialog(backup.list_backups(), backup.restore,
                           heading=f"{problem}\n\n{advice}",
                           preselect=good.path if good is not None else None,
                           cancel_text="Quit")
    dialog.setWindowTitle("The clinic database cannot be used")
    dialog.main_window = None

    def restored(_result) -> None:
        dialog.main_window = _open(db_path, lock, make_window)

    def finished(_code: int) -> None:
        if dialog.main_window is None:  # quit without restoring: let go of the database
            lock.release()
        backup.close()

    dialog.restored.connect(restored)
    dialog.finished.connect(finished)
    dialog.show()
    return dialog


def main_window_of(shown: QWidget) -> QWidget | None:
    """The main window `open_main_window` led to, if any."""
    if isinstance(shown, RestoreDialog):
        shown = shown.main_window
    return shown if hasattr(shown, "services") else None
