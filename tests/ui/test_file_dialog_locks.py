"""The app's file choosers never open the database's own files, so its SQLite locks hold
and no other program can take the live write-ahead journal away while the app runs.

On POSIX a lock belongs to the process: had the chooser opened and closed `clinic.db`,
its -wal or -shm (Qt guessed their types by reading them), every lock the app held on
them would be gone, and the next program to open and close the database would fold the
journal in and delete it while the app still wrote to it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QFileSystemModel, QLineEdit, QMessageBox

from practitioner_app.ui.file_dialogs import FileDialog, NameOnlyIconProvider
from tests.factories import a_patient

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="POSIX advisory locks belong to the process")

#: Another program using the database: opens it, counts the patients, closes it. When
#: nobody else holds the database, SQLite's close folds the journal in and deletes it.
OTHER_PROGRAM = """
import os, sqlite3, sys
db = sys.argv[1]
con = sqlite3.connect(db, timeout=0)
patients = con.execute("SELECT count(*) FROM patients").fetchone()[0]
con.close()
print(patients, os.path.exists(db + "-wal"))
"""


def other_program(db: Path) -> tuple[int, bool]:
    """(patients it sees, whether the -wal is still there after it closed)."""
    done = subprocess.run([sys.executable, "-c", OTHER_PROGRAM, str(db)],
                          capture_output=True, text=True, timeout=60, check=True)
    patients, wal = done.stdout.split()
    return int(patients), wal == "True"


def list_folder(qtbot, chooser: QFileDialog, folder: Path, names: list[str]) -> None:
    """Show `chooser` on `folder` and wait until it lists `names`; then ask its model for
    every listed row's icon and type, as the view does when it paints them."""
    chooser.setDirectory(str(folder))
    chooser.show()
    model = chooser.findChild(QFileSystemModel)
    root = model.index(str(folder))

    def listed() -> bool:
        rows = {model.fileName(model.index(r, 0, root)) for r in range(model.rowCount(root))}
        return set(names) <= rows

    qtbot.waitUntil(listed, timeout=20_000)
    # Qt's model works out every file's icon and type, the hidden ones too (measured with
    # strace: it read clinic.db, -wal and -shm here even with a "*.pdf" filter on).
    for path in folder.iterdir():
        index = model.index(str(path))
        model.data(index, Qt.ItemDataRole.DecorationRole)
        model.type(index)
    for row in range(model.rowCount(root)):
        for column in range(model.columnCount(root)):
            model.data(model.index(row, column, root), Qt.ItemDataRole.DisplayRole)


def test_the_journal_survives_the_backup_chooser_listing_the_database_folder(
        qtbot, start_app, tmp_path):
    db = tmp_path / "clinic.db"  # ".db" names no one type: Qt would read it to guess
    window = start_app(db)
    window.services.patients.register(a_patient(number="P000001"))
    wal = db.with_name("clinic.db-wal")
    assert wal.exists()

    chooser = window.data_safety.back_up_now()
    assert isinstance(chooser, FileDialog)
    list_folder(qtbot, chooser, tmp_path, ["backups"])  # the database's files are hidden

    # Another program opens and closes the database: it must find it in use and leave
    # the journal alone ...
    assert other_program(db) == (1, True)
    # ... and what the app saves next reaches the journal other programs read.
    window.services.patients.register(a_patient(number="P000002"))
    assert other_program(db) == (2, True)
    assert wal.exists() and wal.stat().st_size > 0
    chooser.reject()


def test_every_file_chooser_of_the_app_is_the_safe_one(qtbot, start_app, tmp_path):
    window = start_app()
    choosers = [window.data_safety.back_up_now(),
                window.data_safety.restore_from_backup().choose_file()]
    for chooser in choosers:
        assert isinstance(chooser, FileDialog)
        assert isinstance(chooser.iconProvider(), NameOnlyIconProvider)
        assert chooser.testOption(QFileDialog.Option.DontUseNativeDialog)
        chooser.reject()


def test_the_chooser_leaves_the_database_files_out_and_refuses_them_typed(
        qtbot, start_app, db_path, monkeypatch):
    window = start_app()
    window.services.patients.register(a_patient(number="P000001"))
    (db_path.parent / "notes.txt").write_text("not a database")
    chooser = FileDialog(window, "Choose a file", db_path.parent)
    chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
    list_folder(qtbot, chooser, db_path.parent, ["notes.txt"])

    proxy = chooser.proxyModel()
    model = chooser.findChild(QFileSystemModel)
    root = proxy.mapFromSource(model.index(str(db_path.parent)))
    shown = {proxy.data(proxy.index(r, 0, root)) for r in range(proxy.rowCount(root))}
    assert "notes.txt" in shown
    assert not shown & {db_path.name, db_path.name + "-wal", db_path.name + "-shm",
                        db_path.name + ".lock"}

    warned = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text: warned.append(text))
    accepted = []
    chooser.accepted.connect(lambda: accepted.append(True))
    chooser.findChild(QLineEdit, "fileNameEdit").setText(db_path.name)  # typed by hand
    chooser.accept()
    assert not accepted and "clinic database itself" in warned[0]
    assert other_program(db_path) == (1, True)
