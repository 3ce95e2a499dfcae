"""Every file chooser the app opens comes from here, so none ever opens the clinic
database's own files.

On POSIX, SQLite's locks belong to the process: when anything in it opens and closes the
database, its -wal or -shm, every lock the app holds on it is released, and another
program may then delete the live write-ahead journal with the records saved in it. Qt's
file dialog asks its icon provider for each listed file's type and icon, and Qt's
provider guesses the type of a name without a conclusive ending (`-wal`, `-shm`, `.db`)
by reading the file. So the choosers made here:

- name types and pick icons from the file name alone (`NameOnlyIconProvider`);
- leave SQLite's side files (`-wal`, `-shm`, `-journal`) and every file of a database
  this process has open out of the list (`HideDatabaseFiles`), and refuse such a file
  typed in by hand;
- are Qt's own dialog on every system but Windows: the GTK and macOS dialogs run inside
  the process too, reading files to guess their types and draw previews, beyond the
  app's reach. On Windows a lock belongs to the handle that took it, so the system's own
  dialog does no harm there.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import (
    QFileInfo,
    QMimeDatabase,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
)
from PySide6.QtGui import QAbstractFileIconProvider
from PySide6.QtWidgets import QFileDialog, QFileIconProvider, QFileSystemModel, QMessageBox, QWidget

from ..services.files import is_live_database_file

#: SQLite's own files beside a database: never something to choose.
SIDE_FILE_ENDINGS = ("-wal", "-shm", "-journal")


class NameOnlyIconProvider(QFileIconProvider):
    """Icons and type names from a file's name, never its contents: a folder icon or a
    file icon, and the type the name's ending suggests ("PDF document", or "File").
    Icons are made once here, on the GUI thread; Qt may ask from its listing thread."""

    def __init__(self) -> None:
        super().__init__()
        self.setOptions(QAbstractFileIconProvider.Option.DontUseCustomDirectoryIcons)
        self._mime = QMimeDatabase()  # thread-safe; name matching reads no file
        kind = QAbstractFileIconProvider.IconType
        self._folder = super().icon(kind.Folder)
        self._file = super().icon(kind.File)
        self._drive = super().icon(kind.Drive)

    def icon(self, what):  # noqa: D102 - Qt's overloads: an IconType or a QFileInfo
        if isinstance(what, QFileInfo):
            if what.isRoot():
                return self._drive
            return self._folder if what.isDir() else self._file
        return super().icon(what)

    def type(self, info: QFileInfo) -> str:
        if info.isRoot():
            return "Drive"
        if info.isDir():
            return "Folder"
        known = self._mime.mimeTypesForFileName(info.fileName())
        return known[0].comment() if known else "File"


def is_database_file(path: str | Path) -> bool:
    """Whether `path` is a file of a database this process has open, or any SQLite side
    file: one the app must never open itself."""
    return Path(path).name.endswith(SIDE_FILE_ENDINGS) or is_live_database_file(Path(path))


class HideDatabaseFiles(QSortFilterProxyModel):
    """The folder listing without the open database's files and SQLite's side files.
    Decides from the path the model already holds: nothing is opened or read."""

    def filterAcceptsRow(self, row: int,
                         parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, QFileSystemModel):
            return True
        index = model.index(row, 0, parent)
        if model.isDir(index):
            return True
        return not is_database_file(model.filePath(index))


class FileDialog(QFileDialog):
    """Qt's file dialog made safe for the open database (see the module's docstring).
    Refuses, with a message, a database file typed in by hand."""

    def __init__(self, parent: QWidget | None, caption: str, directory: str | Path = "",
                 name_filter: str = "") -> None:
        super().__init__(parent, caption, str(directory), name_filter)
        if os.name != "nt":
            self.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        # The provider before the proxy: both reach the dialog's own folder model.
        self.icons = NameOnlyIconProvider()  # kept: the dialog does not own it
        self.setIconProvider(self.icons)
        self.hider = HideDatabaseFiles(self)
        self.setProxyModel(self.hider)

    def accept(self) -> None:
        refused = [f for f in self.selectedFiles() if is_database_file(f)]
        if refused:
            QMessageBox.warning(
                self, self.windowTitle(),
                f"{refused[0]} is a file of the clinic database itself; choose another "
                "file. (Backups are made with File ▸ Back up now….)")
            return
        super().accept()


def ask_save_file(parent: QWidget | None, caption: str, suggested: str | Path,
                  name_filter: str) -> Path | None:
    """The file name chosen to save to (the chooser opens on `suggested`), or None."""
    dialog = FileDialog(parent, caption, suggested, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.selectFile(str(suggested))
    return _chosen(dialog)


def ask_open_file(parent: QWidget | None, caption: str, directory: str | Path,
                  name_filter: str) -> Path | None:
    """The existing file chosen to read, or None."""
    dialog = FileDialog(parent, caption, directory, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return _chosen(dialog)


def _chosen(dialog: FileDialog) -> Path | None:
    try:
        if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return None
        return Path(dialog.selectedFiles()[0])
    finally:
        dialog.deleteLater()
