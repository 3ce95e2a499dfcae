"""Sign-in at start, the first-run administrator, the idle lock, and the administrator's
windows, through the real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt

from practitioner_app.domain.audit import Action
from practitioner_app.services.container import open_services
from practitioner_app.ui.dialogs.sign_in_dialog import FirstRunDialog, SignInDialog
from practitioner_app.ui.widgets.field_message import FieldMessage
from tests.factories import a_patient

from .conftest import PASSWORD, USERNAME, ensure_admin
from .helpers import click, type_text


def test_first_start_creates_the_administrators_account(qtbot, start_app):
    window = start_app(signed_in=False)
    dialog = window.access.sign_in_dialog
    assert isinstance(dialog, FirstRunDialog) and dialog.isVisible()
    assert not window.centralWidget().isVisible()
    assert not window.new_patient_action.isEnabled()
    type_text(qtbot, dialog.username, "admin")
    type_text(qtbot, dialog.full_name, "Dr Ödön Kovács")
    type_text(qtbot, dialog.password, "long enough password")
    type_text(qtbot, dialog.password_again, "another password!!")
    assert not dialog.create()
    assert "The two passwords differ" in dialog.board.labels["password_again"].text()
    dialog.password_again.clear()
    type_text(qtbot, dialog.password_again, "long enough password")
    with qtbot.waitSignal(dialog.signed_in):
        click(qtbot, dialog.buttons.buttons()[0])
    assert window.centralWidget().isVisible() and window.new_patient_action.isEnabled()
    assert window.services.accounts.current_user.full_name == "Dr Ödön Kovács"
    assert window.access.practitioners_action.isEnabled()


def test_later_starts_ask_for_username_and_password_before_showing_records(
        qtbot, start_app, db_path):
    ensure_admin(db_path)
    services = open_services(db_path)
    services.accounts.sign_in(USERNAME, PASSWORD)
    services.patients.register(a_patient())
    services.close()
    window = start_app(signed_in=False)
    dialog = window.access.sign_in_dialog
    assert isinstance(dialog, SignInDialog)
    assert window.patients.rowCount() == 0  # nothing read before sign-in
    type_text(qtbot, dialog.username, USERNAME)
    type_text(qtbot, dialog.password, "wrong password")
    click(qtbot, dialog.sign_in_button)
    assert "Wrong username or password" in dialog.message.text()
    assert dialog.password.text() == "" and not window.centralWidget().isVisible()
    for _ in range(2):
        dialog.password.setText("wrong again")
        dialog.attempt()
    assert not dialog.sign_in_button.isEnabled()  # repeated failures slow further attempts
    qtbot.waitUntil(dialog.sign_in_button.isEnabled, timeout=10_000)  # a 2 s wait
    dialog.password.setText(PASSWORD)
    assert dialog.attempt()
    assert window.patients.rowCount() == 1 and window.centralWidget().isVisible()


def test_the_idle_lock_waits_for_a_sign_in_and_then_counts_the_clinics_minutes(
        qtbot, start_app, db_path):
    ensure_admin(db_path)
    window = start_app(signed_in=False)
    lock = window.access.idle_lock  # watching input from the start, but not armed
    assert not lock.is_armed and not lock.timer.isActive()
    lock.lock_now()  # nobody signed in: nothing to lock
    assert not lock.is_locked and window.access.sign_in_dialog.isVisible()
    dialog = window.access.sign_in_dialog
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    assert dialog.attempt()
    assert lock.is_armed and lock.timer.isActive()
    assert lock.timer.interval() == window.services.security.idle_minutes() * 60_000


def test_a_message_under_a_field_shows_markup_exactly_as_typed(qtbot):
    message = FieldMessage()  # plain text is set with the first text, not when made
    qtbot.addWidget(message)
    message.show_messages(["<b>Zoë</b> &amp; <i>Ñame"], [])
    assert message.textFormat() == Qt.TextFormat.PlainText
    assert message.text() == "<b>Zoë</b> &amp; <i>Ñame" and not message.isHidden()


def test_idle_lock_hides_everything_and_keeps_unsaved_input(qtbot, start_app):
    window = start_app()
    editor = window.new_patient()
    type_text(qtbot, editor.full_name, "Ünsaved Ñame <kept>")
    lock = window.access.idle_lock
    lock.timer.setInterval(30)  # the clinic's minutes, shortened for the test
    with qtbot.waitSignal(lock.locked, timeout=5000):
        lock.timer.start()
    assert not window.isVisible() and not editor.isVisible()
    unlock = window.access.lock_dialog
    assert unlock.isVisible() and unlock.username.text() == USERNAME
    unlock.password.setText("wrong password")
    assert not unlock.attempt() and not editor.isVisible()
    unlock.password.setText(PASSWORD)
    with qtbot.waitSignal(lock.unlocked):
        unlock.attempt()
    assert window.isVisible() and editor.isVisible()
    assert editor.full_name.text() == "Ünsaved Ñame <kept>"
    actions = [e.action for e in window.services.audit.find()]
    assert actions[:3] == [Action.UNLOCKED, Action.SIGN_IN_FAILED, Action.LOCKED]


def test_administrator_adds_and_deactivates_a_practitioner(qtbot, start_app):
    window = start_app()
    dialog = window.access.open_practitioners()
    type_text(qtbot, dialog.username, "anurse")
    type_text(qtbot, dialog.full_name, "Ann Nurse")
    type_text(qtbot, dialog.password, "short")
    click(qtbot, dialog.add_button)
    assert "at least 10 characters" in dialog.board.labels["password"].text()
    dialog.password.setText("a long enough password")
    click(qtbot, dialog.add_button)
    assert [u.username for u in dialog.users] == ["anurse", USERNAME]
    dialog.table.selectRow(0)
    click(qtbot, dialog.toggle_button)
    click(qtbot, dialog.confirmation.act_button)  # asked first (tests/ui/test_dialogs_fit)
    assert not window.services.accounts.users()[0].active
    dialog.table.selectRow(1)
    click(qtbot, dialog.toggle_button)  # the last administrator stays
    click(qtbot, dialog.confirmation.act_button)
    assert "last active administrator" in dialog.message.text()


def test_new_idle_minutes_apply_at_once_and_only_allowed_ones_can_be_chosen(
        qtbot, start_app):
    window = start_app()
    lock = window.access.idle_lock
    dialog = window.access.open_practitioners()
    assert (dialog.idle_minutes.minimum(), dialog.idle_minutes.maximum()) == (1, 240)
    dialog.idle_minutes.setValue(3)
    click(qtbot, dialog.save_idle_button)
    assert dialog.message.text() == "The app now locks after 3 idle minutes."
    assert lock.timer.interval() == 3 * 60_000 and lock.timer.isActive()
    assert window.services.security.idle_minutes() == 3


def test_a_practitioner_who_is_not_an_administrator_has_no_admin_windows(qtbot, start_app,
                                                                        db_path):
    window = start_app()
    window.services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "", "a long password1")
    window.close()
    again = start_app(signed_in=False)
    dialog = again.access.sign_in_dialog
    dialog.username.setText("anurse")
    dialog.password.setText("a long password1")
    assert dialog.attempt()
    assert not again.access.practitioners_action.isEnabled()
    assert not again.access.audit_action.isEnabled()


def test_audit_viewer_filters_by_patient_and_shows_the_chain_intact(qtbot, start_app):
    window = start_app()
    first = window.services.patients.register(a_patient())
    window.services.patients.register(a_patient(number="P000102", full_name="Other"))
    viewer = window.access.open_audit()
    qtbot.waitUntil(lambda: "holds" in viewer.chain.text())
    assert viewer.model.rowCount() >= 3
    assert viewer.chain.text().startswith("The audit chain holds: all ")
    type_text(qtbot, viewer.patient_number, first.number)
    click(qtbot, viewer.apply_button)
    assert viewer.model.rowCount() == 1
    assert viewer.model.text(0, 3) == "Patient registered"  # Action.PATIENT_CREATED
    assert viewer.model.text(0, 4) == first.number
