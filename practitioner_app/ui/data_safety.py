"""Nothing lost, from the windows: File ▸ Back up now… / Restore from backup… / Check
database, Patient ▸ Export patient data…, and the automatic backups (a timer while the app
runs; one when the main window closes, made after the window is gone while the app keeps
running until it is done; and one after sign-in when the database holds changes no
automatic backup holds, e.g. because the computer was shut down during the last one).

Everything slow runs off the GUI thread through `workers.run_in_background`. Results and
failures are told in message boxes opened without blocking (the window context's
`open_dialog`, so the box is the window's `active_dialog`); a failure never closes or
crashes the window.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QProgressDialog

from ..domain.errors import DomainError
from ..services.files import private_folder
from ..services.opening import closing
from .actions import action
from .file_dialogs import FileDialog
from .workers import BackgroundTask, run_in_background

if TYPE_CHECKING:  # imported when first used: the window shows sooner
    from ..services.backup import CheckReport, RestoreResult
    from .dialogs.recovery_dialog import RestoreDialog
    from .window_context import WindowContext

log = logging.getLogger(__name__)

#: Backups still being made after their window closed, in this process.
_closing: set[BackgroundTask] = set()
#: "Backup on closing failed" boxes still shown (kept here: they have no parent).
_warnings: set[QMessageBox] = set()


def wait_for_closing() -> None:
    """Block until every backup begun by a window closing in this process is done and
    its database let go (a window opened again in the same process needs the lock)."""
    if _closing:
        from .workers import wait_for_background

        wait_for_background()
        _closing.clear()


#: How often the timer asks whether an automatic backup is due (the service decides:
#: at most one per AUTO_BACKUP_INTERVAL, and only after changes).
AUTO_BACKUP_CHECK_MS = 5 * 60 * 1000


def _describe(error: Exception) -> str:
    if isinstance(error, DomainError):
        return str(error)
    if isinstance(error, FileExistsError):
        return f"{error.filename or error} already exists; a backup never replaces a file."
    if isinstance(error, OSError):
        return f"{error.filename or ''} {error.strerror or error}".strip()
    return f"{type(error).__name__}: {error}"


class DataSafety(QObject):
    """Adds the actions to `window`'s menus and runs them.

    Signals (payloads for tests and the status bar): `backed_up(str)` the backup file just
    written; `restored(object)` a RestoreResult; `checked(object)` a CheckReport;
    `exported(list)` the files of a patient data export; `failed(str)` what went wrong;
    `auto_backup_checked(object)` after each automatic check, the backup made or None;
    `closed_backup_done(object)` the backup made after the window closed (or None when
    nothing had changed), once it is finished and the database is let go.
    """

    backed_up = Signal(str)
    restored = Signal(object)
    checked = Signal(object)
    exported = Signal(list)
    failed = Signal(str)
    auto_backup_checked = Signal(object)  # the backup the timer's check made, or None
    closed_backup_done = Signal(object)   # the closing backup (or None), database let go

    def __init__(self, window, context: WindowContext, file_menu: QMenu,
                 patient_menu: QMenu) -> None:
        super().__init__(window)
        self.context = context
        self.task: BackgroundTask | None = None
        self._closed = False
        self._auto_running = False
        self._told_auto_failure: str | None = None

        self.backup_action = action(window, "&Back up now…", self.back_up_now)
        self.restore_action = action(window, "&Restore from backup…", self.restore_from_backup)
        self.check_action = action(window, "Chec&k database", self.check_database)
        self.export_action = action(window, "E&xport patient data…", self.export_patient_data)
        before = window.quit_action
        for a in (self.backup_action, self.restore_action, self.check_action):
            file_menu.insertAction(before, a)
        file_menu.insertSeparator(before)
        patient_menu.addSeparator()
        patient_menu.addAction(self.export_action)

        self.timer = QTimer(self)
        self.timer.setInterval(AUTO_BACKUP_CHECK_MS)
        self.timer.timeout.connect(self.auto_backup)
        self.window = window
        self.closing_task: BackgroundTask | None = None

    def start(self) -> None:
        """The database is open: watch it for changes and back it up when due. Changes
        that no automatic backup holds yet are backed up in the background once someone
        has signed in (not before: the start is for the clinician)."""
        backup = self.services.backup
        backup.start_watching()
        self.timer.start()
        if getattr(backup, "unbacked_at_start", False):
            # After `attach` has asked who is there (it may replace the dialog).
            self.window.services_attached.connect(
                lambda: self.window.access.when_signed_in(self.catch_up),
                Qt.ConnectionType.SingleShotConnection)

    def catch_up(self) -> BackgroundTask | None:
        """Back up, in the background, the changes found unbacked at start."""
        if self._closed or self._auto_running or self.services is None:
            return None
        return self._auto(self.services.backup.backup_if_changed)

    @property
    def services(self):
        return self.context.services

    # -- telling the user -------------------------------------------------------------------
    def tell(self, title: str, text: str, icon=QMessageBox.Icon.Information) -> QMessageBox:
        """A message box opened without blocking; it becomes `window.active_dialog`."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok,
                          self.context.widget)
        box.setTextFormat(Qt.TextFormat.PlainText)  # paths and names may hold < or &
        return self.context.open_dialog(box)

    def _fail(self, title: str, error: Exception) -> None:
        text = _describe(error)
        self.failed.emit(text)
        self.tell(title, text, QMessageBox.Icon.Warning)

    def _busy(self, text: str) -> QProgressDialog:
        busy = QProgressDialog(text, None, 0, 0, self.context.widget)
        busy.setWindowTitle("Please wait")
        busy.setWindowModality(Qt.WindowModality.WindowModal)
        busy.setMinimumDuration(300)  # only shows for work that takes a while
        return busy

    def _run(self, fn, on_done, title: str, busy_text: str, *,
             on_failed=None) -> BackgroundTask:
        busy = self._busy(busy_text)

        def done(result) -> None:
            busy.close()
            busy.deleteLater()
            on_done(result)

        def failed(error: Exception) -> None:
            busy.close()
            busy.deleteLater()
            if on_failed is not None:
                on_failed(error)
            self._fail(title, error)

        self.task = run_in_background(fn, done, failed)
        return self.task

    # -- backing up -------------------------------------------------------------------------
    def back_up_now(self) -> QFileDialog:
        """Ask where to write the backup (the backups folder is offered), then write it."""
        stamp = datetime.now().strftime("%Y-%m-%d-%H%M")
        folder = self.services.backup.backups_dir
        try:
            private_folder(folder)  # so the chooser opens there
        except OSError:
            pass  # the chooser offers another place; writing there says what went wrong
        suggested = folder / f"{self.services.location.stem}-{stamp}.sqlite3"
        chooser = FileDialog(self.context.widget, "Back up the clinic database to", suggested)
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setDefaultSuffix("sqlite3")
        chooser.setNameFilter("Database backups (*.sqlite3)")
        chooser.selectFile(str(suggested))
        chooser.fileSelected.connect(lambda name: self.back_up_to(Path(name)))
        return self.context.open_dialog(chooser)

    def back_up_to(self, target: Path) -> BackgroundTask | None:
        """Copy every record to `target`. The copy leaves the app, so it is recorded in the
        audit trail first (the copy then holds its own entry) and written only once that
        entry is saved; a copy that then fails is recorded as not written."""
        from ..domain.audit import Action

        target = Path(target)
        try:
            entry = self.services.audit.log(Action.BACKED_UP, path=str(target.absolute()))
        except DomainError as error:
            self._fail("Not backed up", error)
            return None

        def done(written: Path) -> None:
            self.context.show_status(f"Backed up to {written}", 10_000)
            self.backed_up.emit(str(written))
            self.tell("Backed up", f"The clinic database was backed up to\n{written}\n\n"
                                   "The copy passed SQLite's integrity check.")

        def failed(error: Exception) -> None:
            try:
                self.services.audit.not_written(entry, target, error)
            except DomainError:
                log.exception("The failed backup could not be recorded as not written")

        return self._run(partial(self.services.backup.back_up, target), done,
                         "Not backed up", "Backing up the clinic database…",
                         on_failed=failed)

    def auto_backup(self) -> BackgroundTask | None:
        """The timer's slot: back up off the GUI thread if one is due (see BackupService)."""
        if self._closed or self._auto_running:
            return None
        return self._auto(self.services.backup.backup_if_due)

    def _auto(self, backup) -> BackgroundTask:
        self._auto_running = True

        def done(written: Path | None) -> None:
            self._auto_running = False
            if self._closed:  # the window is gone (maybe deleted): nobody to tell
                return
            if written is not None:
                self._told_auto_failure = None
                self.context.show_status(
                    f"Backed up automatically at {datetime.now():%H:%M}", 10_000)
                self.backed_up.emit(str(written))
            self.auto_backup_checked.emit(written)

        def failed(error: Exception) -> None:
            self._auto_running = False
            text = _describe(error)
            log.warning("Automatic backup failed: %s", text)
            if self._closed:
                return
            self.context.show_status(f"Automatic backup failed: {text}")
            self.failed.emit(text)
            if text != self._told_auto_failure:  # tell once, not every few minutes
                self._told_auto_failure = text
                self.tell("Automatic backup failed", text, QMessageBox.Icon.Warning)
            self.auto_backup_checked.emit(None)

        self.task = run_in_background(backup, done, failed)
        return self.task

    def window_closed(self) -> BackgroundTask | None:
        """The main window closed (and is gone at once): back up if anything changed, then
        close the database, which releases its lock, so another copy of the app may open
        it; both on the worker thread. The app keeps running, without a window, until
        they are done (quitting on the last window closed waits for them), then quits.
        A failure is said in a message box of its own.

        The lock file says at once that this copy is closing, so a copy started again
        meanwhile waits for the backup instead of being refused (services/opening.py);
        an opening still waiting for another copy that is closing stops waiting."""
        if self._closed:
            return None
        self._closed = True
        self.timer.stop()
        opening = getattr(self.window, "opening", None)
        if opening is not None:
            closing(opening.lock)
        services = self.services
        if services is None:  # closed before the database was open: nothing to do
            return None
        app = QApplication.instance()
        quit_when_closed = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)

        def back_up_and_let_go() -> Path | None:
            try:
                return services.backup.backup_if_changed()
            finally:  # let go only after the backup: until then another copy is told
                # the database is open here (pid and time), and nothing else writes it
                services.close()

        def finish() -> None:
            app.setQuitOnLastWindowClosed(quit_when_closed)
            if quit_when_closed and not any(
                    w.isVisible() for w in QApplication.topLevelWidgets()):
                app.quit()  # nothing if the event loop is not running (tests)

        def tell_done(written: Path | None) -> None:
            with contextlib.suppress(RuntimeError):  # the window may be deleted by now
                self.closed_backup_done.emit(written)

        def done(written: Path | None) -> None:
            tell_done(written)
            finish()

        def failed(error: Exception) -> None:
            log.warning("Backup on closing failed: %s", _describe(error))
            self.warn_on_close(_describe(error))
            tell_done(None)
            finish()

        self.closing_task = task = run_in_background(back_up_and_let_go, done, failed)
        _closing.add(task)
        task.finished.connect(lambda _result: _closing.discard(task))
        task.failed.connect(lambda _error: _closing.discard(task))
        return task

    def warn_on_close(self, text: str) -> QMessageBox:
        """Say that the closing backup failed, in a box of its own that outlives the window
        (the window is gone by now). Not a nested event loop: the failure arrives from the
        worker at any moment, and a blocking box there would hold whatever runs then.
        The program ends once the box is closed, as it would have without it."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Backup on closing failed",
                          f"{text}\n\nYour records are saved in the database, but this "
                          "copy of them was not made. Make one with File ▸ Back up now… "
                          "or `practitioner-app backup` when the problem is fixed.")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        _warnings.add(box)
        box.finished.connect(lambda _result: _warnings.discard(box))
        box.show()
        return box

    # -- restoring --------------------------------------------------------------------------
    def restore_from_backup(self) -> RestoreDialog | QMessageBox:
        from .dialogs.recovery_dialog import RestoreDialog

        user = self.services.accounts.current_user
        if user is not None and not user.is_admin:  # it replaces everyone's records
            return self.tell("Restore from backup",
                             "Only an administrator may restore a backup.",
                             QMessageBox.Icon.Warning)
        backup = self.services.backup
        dialog = RestoreDialog(
            backup.list_backups(), backup.restore, parent=self.context.widget,
            heading="Choose the backup to restore. The clinic database is replaced by it; "
                    "the database as it is now is backed up first.")
        dialog.restored.connect(self._after_restore)
        return self.context.open_dialog(dialog)

    def _after_restore(self, result: RestoreResult) -> None:
        """The database was replaced and its connections reopened. Its accounts may differ,
        so whoever was signed in signs in again, then sees the restored records."""
        kept = result.safety_copy or result.set_aside
        self.context.show_status(f"Restored from {result.restored_from.name}", 10_000)
        self.tell("Restored", f"The clinic database was restored from\n"
                              f"{result.restored_from}\nmade {result.made:%Y-%m-%d %H:%M}."
                  + (f"\n\nIt was upgraded from schema {result.migrated_from}."
                     if result.migrated_from else "")
                  + (f"\n\nThe database as it was before is kept in\n{kept}" if kept else ""))
        self.services.accounts.sign_out()
        # Hides the records until someone signs in; signing in reads them all again.
        self.context.sign_in_again()
        self.restored.emit(result)

    # -- checking ---------------------------------------------------------------------------
    def check_database(self) -> BackgroundTask:
        """Run every check on the worker thread, in a window that says which check runs
        and how far it is, with Cancel (`check_window`); then tell what was found."""
        from .check_progress import CheckProgressDialog

        self.check_window = window = CheckProgressDialog(self.context.widget)
        self.context.set_active(window)

        def done(report: CheckReport) -> None:
            window.finish()
            self.checked.emit(report)
            if report.cancelled is not None:
                self.tell("Database check cancelled",
                          "\n".join(report.lines()) + f"\n\n{report.remedy}",
                          QMessageBox.Icon.Warning)
            elif report.ok:
                self.tell("Database check", "No problems found.\n\n" + "\n".join(report.lines()))
            else:
                self.tell("Database check: problems found",
                          "\n".join(report.lines()) + f"\n\n{report.remedy}",
                          QMessageBox.Icon.Warning)

        def failed(error: Exception) -> None:
            window.finish()
            self._fail("Database not checked", error)

        window.show()
        self.task = run_in_background(
            partial(self.services.backup.check, progress=window.progress), done, failed)
        return self.task

    # -- a patient's data -------------------------------------------------------------------
    def export_patient_data(self) -> QFileDialog | None:
        """Ask for a folder, then write the selected patient's JSON and PDF summary there."""
        if self.context.current_patient() is None:
            self.tell("Export patient data", "Select a patient first.")
            return None
        chooser = FileDialog(self.context.widget, "Export the patient's data to the folder")
        chooser.setFileMode(QFileDialog.FileMode.Directory)
        chooser.setOption(QFileDialog.Option.ShowDirsOnly, True)
        chooser.fileSelected.connect(lambda name: self.export_patient_data_to(Path(name)))
        return self.context.open_dialog(chooser)

    def export_patient_data_to(self, folder: Path) -> BackgroundTask | None:
        patient = self.context.current_patient()
        if patient is None:
            return None

        def done(files: list[Path]) -> None:
            self.exported.emit([str(f) for f in files])
            self.tell("Patient data exported",
                      f"The data of patient {patient.number} was written to\n"
                      + "\n".join(str(f) for f in files))

        return self._run(partial(self.services.patient_data.export, patient.id, Path(folder)),
                         done, "Patient data not exported",
                         f"Exporting the data of patient {patient.number}…")
