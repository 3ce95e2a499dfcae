"""Opening the database for the windows, safely, while the window already asks who is
there.

In order: take the database's lock (one writing copy of the app per database; refused →
"This database is already open in another copy of the app (pid N on host H since T)"),
show the main window with its sign-in prompt, and open the database on a worker thread:
the start-up check (`PRAGMA quick_check`, begun by app.main before the windows' code was
imported), then SQLAlchemy, migrations and the services. The clinician types while that
runs; a sign-in submitted sooner is carried out as soon as the services arrive. Nothing
shows a record before both the check and the sign-in have passed.

When the check or the opening fails, the user is told plainly in a window, never by a
silent exit:

- damaged, not a database, not ours → a RestoreDialog offering the newest good backup;
  nothing is restored until the user confirms, and the damaged file is kept aside;
- anything else (no permission, a failed migration) → a message, then the app closes.

A file exactly as the app sealed it after a clean close with a passed check opens
without waiting for its `PRAGMA quick_check`: the check runs after sign-in on a
low-priority thread (`Opening.checked` gives its answer). Should it find damage, the
window stops working on the file (records hidden, the services closed, nothing more
written) and offers the newest good backup as at start-up.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

# Neither `Qt` nor `QEvent` here: the first use of Qt's namespace makes its ~90 enumerations
# (~30 ms), which the window asking who is there does not need (see `_start_check`).
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from ..services.opening import (
    Assessment,
    BackgroundCheck,
    DatabaseLock,
    Opened,
    StorageError,
    Unusable,
    backups_dir_for,
    has_accounts,
    lock_for,
    open_database,
)
from .workers import BackgroundTask, run_in_background

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox, QWidget

    from .dialogs.recovery_dialog import RestoreDialog
    from .main_window import MainWindow

log = logging.getLogger(__name__)

#: Builds and shows the main window on a database path, given whether it has accounts.
MakeWindow = Callable[[Path, bool], "MainWindow"]


def open_main_window(db_path: Path, make_window: MakeWindow,
                     assessment: Callable[[], Assessment] | None = None,
                     first_look: Callable[[], bool] | None = None) -> QWidget:
    """The main window on `db_path`, asking who is there while the database opens; or
    the (shown) message saying why the database cannot be opened at all.

    `assessment` gives the start-up check's answer and `first_look` whether the file has
    accounts, when they were started earlier (app.main runs both while the windows' code
    is imported); by default the check is made on the worker thread and the look here.
    The window's `opening` follows the rest (see `Opening`).
    """
    lock = lock_for(db_path)
    try:
        lock.acquire()
        # A server is asked here: one that cannot be reached is said at once, by name.
        known = first_look() if first_look else has_accounts(db_path)
    except StorageError as error:  # in use by another copy, a read-only folder, no server
        lock.release()
        return problem_box(getattr(db_path, "shown", db_path), str(error))
    window = make_window(db_path, known)
    window.opening = Opening(window, db_path, lock, assessment)
    return window


class Opening(QObject):
    """Opens the database for `window` off the GUI thread and hands it the services
    (`window.attach`), or tells the user why it cannot (`shown`: the RestoreDialog or
    message shown instead). Emits `settled` once either has happened, and `checked`
    (the Assessment) once a quick_check left for after sign-in has answered."""

    settled = Signal()
    checked = Signal(object)
    _check_answered = Signal(object)  # from the check's own thread
    #: How long after sign-in the deferred check starts: the first list is read first.
    CHECK_DELAY_MS = 1000

    def __init__(self, window: MainWindow, db_path: Path, lock: DatabaseLock,
                 assessment: Callable[[], Assessment] | None) -> None:
        super().__init__(window)
        self.window = window
        self.db_path = db_path
        self.lock = lock
        self.shown: QWidget | None = None
        self.task: BackgroundTask | None = None
        #: The quick_check running after a sealed start, if any.
        self.check: BackgroundCheck | None = None
        self._check_connected = False
        # The answer is delivered through plain functions that know whether this object
        # still exists: were the window deleted (not merely closed) before the database
        # opened, what was opened is still closed and the lock let go.
        self._alive = [True]
        window.destroyed.connect(lambda _object=None, alive=self._alive: alive.clear())
        self._start(assessment)

    @property
    def is_settled(self) -> bool:
        return self.window.services is not None or self.shown is not None

    def _start(self, assessment: Callable[[], Assessment] | None) -> None:
        self.window.statusBar().showMessage(
            "Waiting for the copy of the app that is closing to finish its backup…"
            if getattr(self.lock, "waiting", False)
            else f"Opening {getattr(self.db_path, 'shown', self.db_path)} …")
        alive, lock, opened, failed = self._alive, self.lock, self._opened, self._failed

        def on_opened(outcome) -> None:
            if alive:
                opened(outcome)
            elif isinstance(outcome, Opened):
                outcome.services.close()  # releases the lock too
            elif isinstance(outcome, Unusable):
                lock.release()

        def on_failed(error: Exception) -> None:
            if alive:
                failed(error)
            else:
                lock.release()

        # The one opener (services/opening.py), as the command line uses it: it keeps
        # the lock for Opened (the services hold it) and Unusable (a restore needs it).
        self.task = run_in_background(
            partial(open_database, self.db_path, lock=self.lock, assessment=assessment,
                    warm_up=True, backups_dir=backups_dir_for(self.db_path)),
            on_opened, on_failed)

    @property
    def problem(self) -> bool:
        """Whether the user was told the database cannot be used (a message or the offer
        to restore a backup)."""
        return self.shown is not None

    def finish(self) -> None:
        """The app is quitting and its worker thread is done (workers.wait_for_background):
        let an answer that came after the window closed in, so what it opened is closed
        and the lock released before the process ends."""
        self._cancel_check()
        if self.task is not None and not self.is_settled:
            QCoreApplication.processEvents()

    def _opened(self, outcome) -> None:
        if self.window.is_closing:  # quit before the database was open: let go of it
            if isinstance(outcome, Opened):
                outcome.services.close()  # releases the lock too
            elif isinstance(outcome, Unusable):
                self.lock.release()
            return
        if isinstance(outcome, Unusable):
            self._cannot_use(outcome.assessment)
            return
        if not isinstance(outcome, Opened):  # in use, server away or refusing, failed
            log.warning("Cannot open %s: %s", self.db_path, outcome.message)
            self._tell(f"The database could not be opened:\n\n{outcome.message}")
            return
        result = outcome.services
        try:
            self.window.attach(result)
        except Exception as error:  # e.g. the backups folder cannot be watched
            result.close()
            log.warning("Cannot use %s: %s", self.db_path, error)
            self._tell(f"The database could not be opened:\n\n{error}")
            return
        if outcome.check_later:
            self.window.access.when_signed_in(self._check_soon)
        self.settled.emit()

    # -- the quick_check left for after sign-in -------------------------------------------

    def _check_soon(self) -> None:
        QTimer.singleShot(self.CHECK_DELAY_MS, self, self._start_check)

    def _start_check(self) -> None:
        if self.check is not None or self.window.is_closing or self.window.services is None:
            return
        if not self._check_connected:  # here, not at start-up: see the import of QtCore
            from PySide6.QtCore import Qt

            self._check_answered.connect(self._checked, Qt.ConnectionType.QueuedConnection)
            self._check_connected = True
        # Closing the window cancels it first: the file is then closed (and sealed)
        # without waiting for the check, and no reader keeps its log open.
        self.window.installEventFilter(self)
        alive, answered = self._alive, self._check_answered

        def answer(found: Assessment | None) -> None:  # on the check's thread
            if alive:
                with contextlib.suppress(RuntimeError):  # the window went meanwhile
                    answered.emit(found)

        self.check = BackgroundCheck(self.db_path, answer)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        from PySide6.QtCore import QEvent

        if watched is self.window and event.type() == QEvent.Type.Close:
            self._cancel_check()
        return False

    def _cancel_check(self) -> None:
        if self.check is not None:
            self.check.cancel()

    def _checked(self, found: Assessment | None) -> None:
        self.check = None
        self.window.removeEventFilter(self)
        if found is None or self.window.is_closing or self.window.services is None:
            return  # cancelled, or the file was let go meanwhile: the next start checks
        if found.usable:
            self.lock.last_check = found.checked_at  # sealed with it on a clean close
        else:
            self._damage_found(found)
        self.checked.emit(found)

    def _damage_found(self, found: Assessment) -> None:
        """Stop working on the file: no dialog, timer or view can reach it any more, its
        connections are closed (the lock is kept for the restore), and the newest good
        backup is offered as at start-up."""
        from PySide6.QtWidgets import QDialog

        log.warning("The background check found %s damaged: %s", self.db_path,
                    "; ".join(found.details[:3]))
        window, services = self.window, self.window.services
        self.lock.last_check = None  # never sealed as checked
        window.data_safety.timer.stop()  # no automatic backup of a damaged file
        for dialog in window.findChildren(QDialog):
            if dialog.isVisible():
                dialog.done(QDialog.DialogCode.Rejected)
        if window.bus is not None:
            window.bus.detach()
        window.services = None  # the views, and closing the window, leave the file alone
        window.access.begin(True)  # records hidden, actions off …
        window.access.stand_down()  # … and nobody asked to sign in to it
        services.close()  # lets go of the lock too: taken again at once for the restore
        try:
            self.lock.acquire()
        except StorageError as error:
            self._tell(f"{found.message()}\n\n{error}")
            return
        self._cannot_use(found)

    def _failed(self, error: Exception) -> None:
        self.lock.release()
        log.warning("Cannot open %s: %s", self.db_path, error)
        if not self.window.is_closing:
            self._tell(f"The database could not be opened:\n\n{error}")

    def _cannot_use(self, found: Assessment) -> None:
        if found.can_restore:
            self.window.access.stand_down()
            try:
                self.shown = self._recovery(found.message())
            except Exception as error:  # e.g. the backups folder cannot be read
                self.lock.release()
                self._tell(f"{found.message()}\n\nThe backups could not be listed: {error}")
                return
            self.settled.emit()
        else:
            self.lock.release()
            self._tell(found.message())

    def _tell(self, text: str) -> None:
        """Say why, over the (empty, locked) window; the app closes with the message."""
        self.window.access.stand_down()
        box = problem_box(self.db_path, text, parent=self.window)
        box.finished.connect(lambda _code: self.window.close())
        self.shown = box
        self.settled.emit()

    def _recovery(self, problem: str) -> RestoreDialog:
        from PySide6.QtCore import Qt

        from ..services.backup import BackupService  # only for a damaged file
        from .dialogs.recovery_dialog import RestoreDialog

        backup = BackupService(self.db_path, backups_dir_for(self.db_path))
        good = backup.newest_good_backup()
        advice = (f"The newest good backup is {good.path.name}, made "
                  f"{good.made:%Y-%m-%d %H:%M}. Restore it? The damaged file is kept aside "
                  "in the backups folder, untouched." if good is not None else
                  f"No good backup was found in {backup.backups_dir}. Choose a backup file "
                  "kept elsewhere, or quit and ask for help; nothing has been changed.")
        dialog = RestoreDialog(backup.list_backups(), backup.restore,
                               heading=f"{problem}\n\n{advice}",
                               preselect=good.path if good is not None else None,
                               cancel_text="Quit", parent=self.window)
        dialog.setWindowTitle("The clinic database cannot be used")
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        restored = False

        def on_restored(_result) -> None:
            nonlocal restored
            restored = True
            self.shown = None
            self.window.access.begin(has_accounts(self.db_path))
            self._start(None)  # check the restored file, then open it

        def finished(_code: int) -> None:
            backup.close()
            if not restored:  # quit without restoring: let go of the database
                self.lock.release()
                self.window.close()

        dialog.restored.connect(on_restored)
        dialog.finished.connect(finished)
        dialog.show()
        return dialog


def problem_box(db_path: Path, text: str, parent: QWidget | None = None) -> QMessageBox:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open the clinic database",
                      f"{text}\n\nDatabase: {db_path}", QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.show()
    return box


def main_window_of(shown: QWidget) -> MainWindow | None:
    """The main window `open_main_window` led to, if its database was opened."""
    return shown if getattr(shown, "services", None) is not None else None
