"""Choosing a backup to restore, confirming it, and restoring it off the GUI thread.

Used from File ▸ Restore from backup… and at start-up when the database is damaged or is
not a database (then the heading says so plainly and the newest good backup is chosen
already). Nothing is restored until the user confirms a message naming the file and
the date it was made; the dialog never changes anything on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import DomainError
from ...services.backup import BackupInfo, RestoreResult, describe_backup
from ..workers import BackgroundTask, run_in_background


class RestoreDialog(QDialog):
    """Lists `backups` (newest first) and restores the one chosen with `restore`.

    Emits `restored(RestoreResult)` after a restore; on failure `restore_failed(str)`, and
    the reason is shown in the dialog, which stays open so another backup can be chosen.
    The confirmation is a window-modal message box opened without blocking and kept in
    `confirmation`.
    """

    restored = Signal(object)
    restore_failed = Signal(str)  # why, as shown in the dialog

    def __init__(self, backups: list[BackupInfo], restore: Callable[[Path], RestoreResult], *,
                 heading: str, preselect: Path | None = None, cancel_text: str = "Cancel",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Restore from backup")
        self._restore = restore
        self.confirmation: QMessageBox | None = None
        self.task: BackgroundTask | None = None
        self.heading = QLabel(heading)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)  # paths may hold < or &
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list = QListWidget()
        for backup in backups:
            self._add(backup)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.choose_file_button = QPushButton("Choose a &file…")
        self.restore_button = QPushButton("&Restore…")
        self.cancel_button = QPushButton(cancel_text)
        self.choose_file_button.clicked.connect(self.choose_file)
        self.restore_button.clicked.connect(self.confirm_selected)
        self.cancel_button.clicked.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.confirm_selected())
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_file_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.cancel_button)
        column = QVBoxLayout(self)
        column.addWidget(self.heading)
        column.addWidget(QLabel("Backups in the backups folder, newest first:"))
        column.addWidget(self.list, 1)
        column.addWidget(self.status)
        column.addLayout(buttons)
        self.resize(720, 420)
        self.select(preselect)
        if not backups:
            self.status.setText("There are no backups in the backups folder; choose a file.")

    def _add(self, backup: BackupInfo) -> QListWidgetItem:
        item = QListWidgetItem(backup.label)
        item.setData(Qt.ItemDataRole.UserRole, backup)
        self.list.addItem(item)
        return item

    def select(self, path: Path | None) -> None:
        for row in range(self.list.count()):
            if path is None or self.list.item(row).data(Qt.ItemDataRole.UserRole).path == path:
                self.list.setCurrentRow(row)
                return

    def selected(self) -> BackupInfo | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def choose_file(self) -> QFileDialog:
        """Pick a backup kept elsewhere (a USB stick, another folder)."""
        from ..file_dialogs import FileDialog

        chooser = FileDialog(self, "Choose a backup to restore")
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        chooser.setNameFilters(["Databases (*.sqlite3 *.sqlite *.db)", "All files (*)"])
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(lambda name: self.add_file(Path(name)))
        chooser.open()
        return chooser

    def add_file(self, path: Path) -> None:
        try:
            backup = describe_backup(path)
        except OSError as error:
            self.status.setText(f"{path} cannot be read: {error.strerror}")
            return
        self.list.setCurrentItem(self._add(backup))

    def confirm_selected(self) -> QMessageBox | None:
        """Ask before restoring, naming the file and when it was made."""
        backup = self.selected()
        if backup is None:
            self.status.setText("Choose a backup first.")
            return None
        box = QMessageBox(QMessageBox.Icon.Warning, "Restore this backup?",
                          f"Replace the clinic database with the backup\n\n{backup.path.name}\n"
                          f"made {backup.made:%Y-%m-%d %H:%M} ({backup.kind})?", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(
            "Every change made after that time is replaced. The database as it is now is "
            "kept first (a damaged file is set aside untouched), so this can be undone by "
            "restoring that copy.")
        self.confirm_button = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter keeps the database as it is
        box.setEscapeButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(
            lambda button: self.restore(backup.path) if button is self.confirm_button else None)
        self.confirmation = box
        box.open()
        return box

    def restore(self, path: Path) -> BackgroundTask:
        """Restore `path` off the GUI thread; the dialog is inert meanwhile."""
        self.status.setText(f"Restoring {path.name}…")
        self.setEnabled(False)

        def done(result: RestoreResult) -> None:
            self.setEnabled(True)
            self.status.setText(f"Restored {path.name}.")
            self.restored.emit(result)
            self.accept()

        def failed(error: Exception) -> None:
            self.setEnabled(True)
            text = str(error) if isinstance(error, DomainError | OSError) else (
                f"{type(error).__name__}: {error}")
            self.status.setText(f"Not restored: {text}")
            self.restore_failed.emit(text)

        self.task = run_in_background(lambda: self._restore(path), done, failed)
        return self.task
