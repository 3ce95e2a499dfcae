"""Quitting is instant: the main window is gone at once, the backup of the day's changes is
made after it (the app keeps running, holding the database, until it is done), and a
backup cut off by a shutdown is made at the next start, after sign-in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from practitioner_app.services.backup import BackupService, DatabaseInUse, DatabaseLock
from practitioner_app.services.container import open_services
from tests.factories import a_patient
from tests.safety_helpers import counts, integrity

from .helpers import hold_closing_backup

# About the file's own backups, lock and file times.
pytestmark = pytest.mark.sqlite_only


def backups_in(db_path: Path) -> list[Path]:
    return sorted((db_path.parent / "backups").glob("backup-*.sqlite3"))


def test_quitting_hides_the_window_before_the_backup_is_made(qtbot, start_app, db_path):
    window = start_app()
    window.services.patients.register(a_patient(number="P000777"))
    # A backup that takes as long as the test says: as a large clinic's would.
    release, started = hold_closing_backup(window, timeout_s=20)
    safety = window.data_safety

    window.close()

    assert not window.isVisible()  # gone, while the backup has not even begun
    assert started.wait(20)
    assert backups_in(db_path) == []
    with pytest.raises(DatabaseInUse):  # held until the backup is made
        DatabaseLock(db_path).acquire()
    with qtbot.waitSignal(safety.closed_backup_done, timeout=20_000) as done:
        release.set()
    written = Path(done.args[0])
    assert written in backups_in(db_path)
    assert integrity(written) == ["ok"] and counts(written)["patients"] == 1
    service = BackupService(db_path, db_path.parent / "backups")
    try:
        assert service.verify(written)
    finally:
        service.close()
    with DatabaseLock(db_path):  # let go once the backup is made
        pass


def test_a_backup_cut_off_at_closing_is_made_after_the_next_sign_in(qtbot, start_app, db_path):
    window = start_app()
    with qtbot.waitSignal(window.data_safety.closed_backup_done, timeout=20_000):
        window.close()
    assert len(backups_in(db_path)) == 1
    # The next session's change, then the computer shuts down before its backup: no
    # window closes, no backup is made (a command's change would look the same).
    services = open_services(db_path)
    services.patients.register(a_patient(number="P000888"))
    services.close()

    again = start_app(signed_in=False)
    assert again.services.backup.unbacked_at_start
    assert backups_in(db_path) == [*backups_in(db_path)[:1]]  # nothing before sign-in
    dialog = again.access.sign_in_dialog
    dialog.username.setText("jroe")
    dialog.password.setText("correct horse battery")
    with qtbot.waitSignal(again.data_safety.backed_up, timeout=20_000) as made:
        assert dialog.attempt()
    assert counts(Path(made.args[0]))["patients"] == 1
    assert len(backups_in(db_path)) == 2


def test_after_a_clean_close_the_next_start_makes_no_backup(qtbot, start_app, db_path):
    window = start_app()
    window.services.patients.register(a_patient(number="P000999"))
    with qtbot.waitSignal(window.data_safety.closed_backup_done, timeout=20_000):
        window.close()
    made = backups_in(db_path)
    assert len(made) == 1 and counts(made[0])["patients"] == 1

    again = start_app()
    assert not again.services.backup.unbacked_at_start
    # The file's own time stays older than the backup's: the next start reads no file.
    assert os.stat(db_path).st_mtime_ns < os.stat(made[0]).st_mtime_ns


def test_a_closing_backup_that_fails_is_said_in_a_box_that_holds_nothing_up(
        qtbot, start_app, db_path):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from practitioner_app.domain.errors import StorageError

    window = start_app()
    window.services.patients.register(a_patient(number="P000778"))

    def failing_backup():
        raise StorageError("The disk holding the backups is full.")

    window.services.backup.backup_if_changed = failing_backup
    safety = window.data_safety
    with qtbot.waitSignal(safety.closed_backup_done, timeout=20_000) as done:
        window.close()
    assert done.args == [None]
    # Said, without a nested event loop: the test goes on while the box is shown.
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()
             and w.windowTitle() == "Backup on closing failed"]
    assert len(boxes) == 1
    assert "The disk holding the backups is full." in boxes[0].text()
    assert "this copy of them was not made" in boxes[0].text()
    with DatabaseLock(db_path):  # the database is let go all the same
        pass
    boxes[0].close()
