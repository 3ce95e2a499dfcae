"""Every dialog fits a 1280x800 display with its buttons in reach, offers the safe choice
by default, and asks before what cannot simply be taken back."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from practitioner_app.domain.signing import Consent
from practitioner_app.ui.dialogs.recovery_dialog import RestoreDialog
from tests.factories import a_full_session, a_patient

from .conftest import USERNAME
from .helpers import click, type_text

#: A 1280x800 display, less the window manager's title bar.
SCREEN = QRect(0, 0, 1280, 800 - 40)


@pytest.fixture
def window(start_app):
    window = start_app()
    s = window.services
    patient = s.patients.register(a_patient())
    s.consents.record(patient.id, Consent("treatment", s.consents.current_version(),
                                          date(2026, 11, 1), "Sam Witness"))
    window.patients.reload()
    window.select_patient(patient.id)
    return window


def assert_fits(dialog: QWidget, name: str) -> None:
    """The dialog as opened, and as small as its layout lets it be, fits the screen; and
    every button it shows lies inside it."""
    assert dialog.isVisible(), name
    assert dialog.width() <= SCREEN.width() and dialog.height() <= SCREEN.height(), (
        name, dialog.size())
    smallest = dialog.minimumSizeHint()
    assert smallest.width() <= SCREEN.width() and smallest.height() <= SCREEN.height(), (
        name, smallest)
    inside = dialog.rect()
    for button in dialog.findChildren(QPushButton):
        if button.isVisibleTo(dialog) and button.window() is dialog:
            corner = button.mapTo(dialog, QPoint(button.width() - 1, button.height() - 1))
            assert inside.contains(corner), (name, button.text(), corner, inside)


def _dialogs(window):
    yield "patient editor", window.new_patient
    yield "session editor", window.new_session
    yield "clinic details", window.edit_clinic
    yield "practitioners", window.access.open_practitioners
    yield "audit trail", window.access.open_audit
    yield "consent", lambda: window.records.record_consent()
    yield "archive", window.records.archive_patient
    yield "contraindication screen", window.records.edit_screen_rules
    yield "lot recall", window.course_actions.open_recall
    yield "restore", window.data_safety.restore_from_backup
    # The courses window's layout is changed separately (its own tests).


def test_every_dialog_fits_a_1280_by_800_display(window):
    window.services.backup.back_up()  # so Restore opens its list
    for name, open_dialog in _dialogs(window):
        dialog = open_dialog() or window.active_dialog
        assert_fits(dialog, name)
        dialog.done(0)


def test_the_document_preview_keeps_print_and_save_on_the_screen(qtbot, window):
    window.services.sessions.save(window.panel.patient.id, a_full_session())
    window.show_patient(window.panel.patient.id)
    task = window.show_report("summary")
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    preview = window.active_dialog
    assert_fits(preview, "document preview")
    assert preview.print_button.isVisible() and preview.save_button.isVisible()


def test_clinic_details_keep_their_rows_together(window):
    dialog = window.edit_clinic()
    address = dialog.address.mapTo(dialog, QPoint(0, dialog.address.height()))
    phone = dialog.phone.mapTo(dialog, QPoint(0, 0))
    assert 0 < phone.y() - address.y() <= 24  # the address box no longer floats in a band
    # The room to spare goes to the aftercare text, which grows with the window.
    before = dialog.aftercare_text.height()
    dialog.resize(dialog.width(), dialog.height() - 100)
    QApplication.processEvents()
    assert dialog.aftercare_text.height() < before


def test_practitioners_ask_before_deactivating_and_no_button_acts_on_enter(qtbot, window):
    s = window.services
    s.accounts.add_user("anurse", "Ann Nurse", "Nurse", "", "a long password1")
    dialog = window.access.open_practitioners()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert not any(b.isDefault() or b.autoDefault() for b in dialog.findChildren(QPushButton))
    names = [u.username for u in dialog.users]
    dialog.table.setCurrentCell(names.index("anurse"), 0)
    dialog.table.setFocus()
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)  # a stray Enter: nothing happens
    assert dialog.confirmation is None
    assert dialog.toggle_button.text().replace("&", "") == "Deactivate…"

    click(qtbot, dialog.toggle_button)
    box = dialog.confirmation
    assert "Ann Nurse (anurse)" in box.text()
    assert box.defaultButton() is box.keep_button  # Enter keeps the account active
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert [u.active for u in s.accounts.users() if u.username == "anurse"] == [True]

    click(qtbot, dialog.toggle_button)
    click(qtbot, dialog.confirmation.act_button)
    assert [u.active for u in s.accounts.users() if u.username == "anurse"] == [False]
    assert dialog.toggle_button.text().replace("&", "") == "Reactivate…"


def test_practitioners_tab_leaves_the_table(qtbot, window):
    dialog = window.access.open_practitioners()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.table.setCurrentCell(0, 0)
    dialog.table.setFocus()
    QTest.keyClick(dialog.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not dialog.table
    assert QApplication.focusWidget() is dialog.toggle_button


def test_a_successful_add_clears_an_older_error(qtbot, window):
    dialog = window.access.open_practitioners()
    dialog.table.setCurrentCell(0, 0)  # the only administrator
    click(qtbot, dialog.toggle_button)
    click(qtbot, dialog.confirmation.act_button)
    assert "last active administrator" in dialog.message.text()
    assert dialog.message.isVisible()
    type_text(qtbot, dialog.username, "bnurse")
    type_text(qtbot, dialog.full_name, "Bea Nurse")
    type_text(qtbot, dialog.role_title, "Nurse")
    type_text(qtbot, dialog.password, "a long enough password\n")  # Enter adds
    assert "bnurse" in [u.username for u in dialog.users]
    assert dialog.message.text() == "bnurse was added."
    assert "last active administrator" not in dialog.message.text()


def test_resetting_a_password_asks_first(qtbot, window):
    dialog = window.access.open_practitioners()
    dialog.table.setCurrentCell(0, 0)
    type_text(qtbot, dialog.new_password, "another long password")
    click(qtbot, dialog.reset_button)
    box = dialog.confirmation
    assert box.defaultButton() is box.keep_button
    click(qtbot, box.keep_button)
    assert dialog.message.text() == ""  # nothing changed
    click(qtbot, dialog.reset_button)
    click(qtbot, dialog.confirmation.act_button)
    assert dialog.message.text() == f"The password of {USERNAME} was changed."


def test_the_restore_confirmation_defaults_to_cancel(qtbot, window):
    backup = window.services.backup.back_up()
    dialog = window.data_safety.restore_from_backup()
    assert isinstance(dialog, RestoreDialog)
    dialog.select(backup)
    click(qtbot, dialog.restore_button)
    box = dialog.confirmation
    cancel = box.button(QMessageBox.StandardButton.Cancel)
    assert box.defaultButton() is cancel and box.escapeButton() is cancel
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert dialog.task is None  # nothing restored


def test_archiving_asks_for_a_reason_and_enter_keeps_the_patient(qtbot, window):
    dialog = window.records.archive_patient()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    assert cancel.isDefault() and not dialog.archive_button.isDefault()
    type_text(qtbot, dialog.reason, "Moved abroad")
    QTest.keyClick(dialog, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert window.services.patients.get(window.panel.patient.id).archived_at is None
