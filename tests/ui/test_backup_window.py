"""Backups, restore, checks and the patient data export from the windows, and what the
app says at start-up when the database cannot be used (damaged, not a database, open in
another copy, read-only folder) or a save fails for want of disk space."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QMessageBox
from sqlalchemy import event

from practitioner_app.app import main
from practitioner_app.domain.enums import Fitzpatrick, Sex
from practitioner_app.services.backup import BackupService, DatabaseLock
from practitioner_app.services.container import open_services
from practitioner_app.services.exchange import dumps
from practitioner_app.ui.data_safety import AUTO_BACKUP_CHECK_MS
from practitioner_app.ui.dialogs.recovery_dialog import RestoreDialog
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import (
    counts,
    damage,
    file_permissions_apply,
    integrity,
    query,
    read_only_folder,
    records,
    sha256,
)

from .conftest import PASSWORD, USERNAME, ensure_admin, wait_until_open
from .helpers import click, type_text

ROOT = Path(__file__).resolve().parents[2]


def sign_in(window) -> None:
    dialog = window.access.sign_in_dialog
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    assert dialog.attempt(), dialog.message.text()


def texts(widget) -> str:
    return "\n".join(label.text() for label in widget.findChildren(QLabel))


@pytest.fixture
def window(start_app):
    window = start_app()
    patient = window.services.patients.register(a_patient())
    window.services.sessions.save(patient.id, a_full_session())
    window.patients.reload()
    window.select_patient(patient.id)
    return window


@pytest.fixture
def recorded(db_path) -> Path:
    """A database with the administrator and one patient, closed: as found at start-up."""
    ensure_admin(db_path)
    services = open_services(db_path)
    services.patients.register(a_patient())
    services.close()
    return db_path


def test_the_menus_offer_backup_restore_check_and_export(window):
    file_items = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    for text in ("&Back up now…", "&Restore from backup…", "Chec&k database"):
        assert text in file_items
    assert file_items.index("Chec&k database") < file_items.index("&Quit")
    patient_menu = window.menuBar().actions()[1].menu()
    assert "E&xport patient data…" in [a.text() for a in patient_menu.actions()]


# --- backing up --------------------------------------------------------------------------


def test_back_up_now_asks_where_and_writes_a_checked_copy(qtbot, window, tmp_path):
    window.data_safety.backup_action.trigger()
    chooser = window.active_dialog
    assert isinstance(chooser, QFileDialog)
    assert Path(chooser.directory().absolutePath()) == window.services.backup.backups_dir
    target = tmp_path / "usb" / "clinic-copy.sqlite3"
    with qtbot.waitSignal(window.data_safety.backed_up, timeout=20_000) as written:
        chooser.fileSelected.emit(str(target))
    assert written.args == [str(target)]
    assert integrity(target) == ["ok"]
    assert counts(target)["patients"] == 1
    told = window.active_dialog.text()
    assert "backed up to" in told and str(target) in told
    # Every record left the app: recorded under the signed-in name before the copy was
    # made, so the copy holds its own entry too.
    recorded = [(user, json.loads(details)["path"]) for user, details in query(
        window.services.database_path,
        "select username, details from audit_log where action = 'backed up'")]
    assert recorded == [(USERNAME, str(target))]
    assert query(target, "select count(*) from audit_log where action = 'backed up'") == [(1,)]


def test_a_backup_that_fails_is_told_and_the_window_carries_on(qtbot, window, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with qtbot.waitSignal(window.data_safety.failed, timeout=20_000) as failed:
        window.data_safety.back_up_to(blocker / "backup.sqlite3")
    assert "cannot be written" in failed.args[0]
    box = window.active_dialog
    assert isinstance(box, QMessageBox) and box.icon() == QMessageBox.Icon.Warning
    assert "cannot be written" in box.text()
    assert window.isVisible()
    target = str(blocker / "backup.sqlite3")
    entries = {action: json.loads(details) for action, details in query(
        window.services.database_path,
        "select action, details from audit_log where action in ('backed up', 'not written')")}
    assert entries["backed up"]["path"] == target
    assert entries["not written"]["path"] == target


def test_the_timer_backs_up_after_changes_off_the_gui_thread(qtbot, window):
    safety = window.data_safety
    assert safety.timer.isActive() and safety.timer.interval() == AUTO_BACKUP_CHECK_MS
    assert AUTO_BACKUP_CHECK_MS <= 5 * 60 * 1000
    with qtbot.waitSignal(safety.backed_up, timeout=20_000) as written:
        safety.auto_backup()  # what the timer calls: the records changed since opening
    assert counts(Path(written.args[0]))["patients"] == 1
    window.services.patients.register(a_patient(number="P000002"))
    with qtbot.waitSignal(safety.auto_backup_checked, timeout=20_000) as again:
        safety.auto_backup()  # a change, but not half an hour since the last backup
    assert again.args == [None]


def test_closing_the_window_backs_up_and_lets_go_of_the_database(qtbot, start_app, db_path):
    window = start_app()
    window.services.patients.register(a_patient(number="P000321"))
    backups = window.services.backup.backups_dir
    # The window is gone at once; the backup follows (tests/ui/test_quit_backup.py).
    with qtbot.waitSignal(window.data_safety.closed_backup_done, timeout=20_000):
        window.close()
    made = sorted(backups.glob("backup-*.sqlite3"))
    assert len(made) == 1 and counts(made[-1])["patients"] == 1
    with DatabaseLock(db_path):  # released: another copy may open it now
        pass
    again = start_app(db_path)
    assert again.patients.rowCount() == 1


# --- restoring ---------------------------------------------------------------------------


def test_restore_names_the_file_and_date_then_reopens_the_database(qtbot, window):
    services = window.services
    backup = services.backup.back_up()
    services.patients.register(a_patient(number="P000002", full_name="Added later"))
    window.patients.reload()
    assert window.patients.rowCount() == 2

    window.data_safety.restore_action.trigger()
    dialog = window.active_dialog
    assert isinstance(dialog, RestoreDialog)
    dialog.select(backup)
    click(qtbot, dialog.restore_button)
    confirmation = dialog.confirmation
    made = services.backup.list_backups()[0].made
    assert backup.name in confirmation.text()
    assert f"made {made:%Y-%m-%d %H:%M}" in confirmation.text()
    assert counts(services.database_path)["patients"] == 2  # nothing happens before "Restore"
    with qtbot.waitSignal(window.data_safety.restored, timeout=20_000):
        click(qtbot, dialog.confirm_button)

    assert counts(services.database_path)["patients"] == 1
    assert "restored from" in window.active_dialog.text()
    assert "before-restore-" in window.active_dialog.text()
    lock = window.access.idle_lock
    assert not lock.is_armed and not lock.timer.isActive()  # asking again: nothing to lock
    sign_in(window)  # the restored database's accounts: sign in again
    assert window.patients.rowCount() == 1
    assert window.panel.patient.number == "P000101"
    assert window.access.idle_lock is lock and lock.is_armed  # one lock, armed again


def test_cancelling_the_confirmation_changes_nothing(qtbot, window):
    services = window.services
    backup = services.backup.back_up()
    services.patients.register(a_patient(number="P000002"))
    before = records(services.database_path)
    dialog = window.data_safety.restore_from_backup()
    dialog.select(backup)
    click(qtbot, dialog.restore_button)
    dialog.confirmation.button(QMessageBox.StandardButton.Cancel).click()
    assert dialog.task is None
    assert records(services.database_path) == before


def test_a_bad_backup_is_refused_in_the_dialog(qtbot, window, tmp_path):
    bad = tmp_path / "notes.sqlite3"
    bad.write_text("not a database")
    dialog = window.data_safety.restore_from_backup()
    dialog.add_file(bad)
    assert dialog.selected().path == bad
    with qtbot.waitSignal(dialog.restore_failed, timeout=20_000):
        dialog.restore(bad)  # as after confirming
    assert "Not restored" in dialog.status.text() and "not a database" in dialog.status.text()
    assert dialog.isVisible() and window.patients.rowCount() == 1


# --- checking ----------------------------------------------------------------------------


def test_check_database_tells_what_it_found(qtbot, window):
    with qtbot.waitSignal(window.data_safety.checked, timeout=20_000) as checked:
        window.data_safety.check_action.trigger()
    assert checked.args[0].ok
    assert "No problems found" in window.active_dialog.text()
    assert "foreign keys: ok" in window.active_dialog.text()


# --- a patient's data --------------------------------------------------------------------


def test_export_patient_data_writes_the_json_and_the_summary(qtbot, window, tmp_path):
    exported_by_hook = []
    window.services.patient_data.on_exported.append(
        lambda patient_id, files: exported_by_hook.append((patient_id, files)))
    window.data_safety.export_action.trigger()
    chooser = window.active_dialog
    assert isinstance(chooser, QFileDialog)
    with qtbot.waitSignal(window.data_safety.exported, timeout=30_000) as exported:
        chooser.fileSelected.emit(str(tmp_path))
    json_file, pdf_file = (Path(p) for p in exported.args[0])
    assert (json_file.name, pdf_file.name) == ("P000101-data.json", "P000101-summary.pdf")
    expected = dumps(window.services.exchange.export_document("P000101"))
    assert json_file.read_text(encoding="utf-8") == expected
    assert json.loads(expected)["patient"]["number"] == "P000101"
    assert pdf_file.read_bytes().startswith(b"%PDF")
    assert exported_by_hook == [(window.panel.patient.id, [json_file, pdf_file])]
    assert "P000101" in window.active_dialog.text()


def test_export_into_a_folder_that_cannot_be_written_is_told(qtbot, window, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with qtbot.waitSignal(window.data_safety.failed, timeout=30_000) as failed:
        window.data_safety.export_patient_data_to(blocker)
    assert "cannot be written" in failed.args[0]
    assert not list(tmp_path.glob("P000101*"))


# --- at start-up -------------------------------------------------------------------------


def test_a_damaged_database_offers_the_newest_good_backup(qtbot, recorded):
    backup = BackupService(recorded, recorded.parent / "backups")
    good = backup.back_up()
    backup.close()
    damage(recorded)
    damaged = sha256(recorded)

    window = main(["--db", str(recorded)], exec_=False)
    qtbot.addWidget(window)
    # The window shows at once; the start-up check's answer replaces its sign-in prompt.
    wait_until_open(qtbot, window)
    shown = window.opening.shown
    assert window.services is None and not window.access.sign_in_dialog.isVisible()
    assert isinstance(shown, RestoreDialog) and shown.isVisible()
    assert f"The database {recorded} is damaged" in shown.heading.text()
    assert f"The newest good backup is {good.name}" in shown.heading.text()
    assert shown.selected().path == good
    assert sha256(recorded) == damaged  # nothing changed by itself
    click(qtbot, shown.restore_button)
    assert good.name in shown.confirmation.text()
    # The restored file is checked and opened in turn, then the same window asks again.
    with qtbot.waitSignals([shown.restored, window.services_attached], timeout=20_000):
        click(qtbot, shown.confirm_button)
    assert window.access.sign_in_dialog.isVisible()
    sign_in(window)
    assert window.patients.rowCount() == 1
    aside = list((recorded.parent / "backups").glob("damaged-*.sqlite3"))
    assert len(aside) == 1 and sha256(aside[0]) == damaged
    window.close()


def test_a_text_file_is_said_to_be_no_database_and_quitting_changes_nothing(qtbot, db_path):
    db_path.write_text("Monday: Ana\n" * 100)
    window = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(window)
    wait_until_open(qtbot, window)
    shown = window.opening.shown
    assert isinstance(shown, RestoreDialog)
    assert f"The file {db_path} is not a database" in shown.heading.text()
    assert "No good backup was found" in shown.heading.text()
    assert shown.cancel_button.text() == "Quit"
    click(qtbot, shown.cancel_button)
    assert not window.isVisible()  # quitting closes the app
    assert db_path.read_text() == "Monday: Ana\n" * 100
    with DatabaseLock(db_path):  # let go on quitting
        pass


def test_a_second_copy_in_this_process_is_told_the_database_is_open(qtbot, window, db_path):
    shown = main(["--db", str(db_path)], exec_=False)
    qtbot.addWidget(shown)
    assert isinstance(shown, QMessageBox)
    assert (f"This database is already open in another copy of the app (pid {os.getpid()} "
            f"on host {socket.gethostname()} since ") in shown.text()


def test_another_running_copy_is_named(qtbot, recorded):
    holder = subprocess.Popen([sys.executable, "-m", "tests.lock_holder", str(recorded)],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == f"locked {holder.pid}\n"
        shown = main(["--db", str(recorded)], exec_=False)
        qtbot.addWidget(shown)
        assert isinstance(shown, QMessageBox)
        assert f"(pid {holder.pid} on host {socket.gethostname()} since " in shown.text()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_a_read_only_folder_is_told_plainly(qtbot, recorded):
    with read_only_folder(recorded.parent), file_permissions_apply():
        shown = main(["--db", str(recorded)], exec_=False)
    qtbot.addWidget(shown)
    assert isinstance(shown, QMessageBox)
    assert f"The folder {recorded.parent} cannot be written" in shown.text()
    assert "read-only" in shown.text()


# --- saving when the disk is full or the file read-only ----------------------------------


def _fill_patient(qtbot, dialog) -> None:
    type_text(qtbot, dialog.full_name, "Zoë Full-Disk")
    type_text(qtbot, dialog.date_of_birth, "12/04/1985")
    dialog.sex.set_value(Sex.FEMALE)  # nothing is pre-chosen
    dialog.fitzpatrick.set_value(Fitzpatrick.II)
    # Long enough to need new pages, however much room the existing ones have left.
    dialog.text_areas["medical_history"].setPlainText("Long history. " * 1400)


@pytest.mark.parametrize("pragma, words", [
    ("max_page_count = {pages}", "is full"),        # SQLITE_FULL, as from a full disk
    ("query_only = 1", "cannot be written"),        # SQLITE_READONLY, as from a read-only file
], ids=["disk full", "read-only"])
def test_a_failed_save_is_shown_in_the_dialog_and_nothing_is_lost(qtbot, window, pragma,
                                                                   words):
    engine = window.services._database.engine

    @event.listens_for(engine, "connect")
    def limit(dbapi_connection, _record):
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute("PRAGMA " + pragma.format(pages=pages))

    engine.dispose()
    before = records(window.services.database_path)
    dialog = window.new_patient()
    _fill_patient(qtbot, dialog)
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))

    assert dialog.isVisible() and window.isVisible()
    assert words in texts(dialog) and "not saved" in texts(dialog)
    event.remove(engine, "connect", limit)
    engine.dispose()
    assert records(window.services.database_path) == before
