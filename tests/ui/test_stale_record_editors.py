"""Two workstations editing the same patient or session: the second Save is refused in
its window, naming who saved first and when, with everything typed still in its fields;
"Reload their version" (after asking) shows theirs, and Save then goes through."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.signing import Consent
from practitioner_app.services.container import open_services
from practitioner_app.ui.dialogs.patient_editor import PatientEditorDialog
from practitioner_app.ui.dialogs.session_editor import SessionEditorDialog
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient

from .helpers import click, type_text

PASSWORD = "correct horse battery"
A_SAVES_AT = NOW + timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _closing_discards(monkeypatch):
    """A session editor left with unsaved input asks (modally) on closing; the windows
    closed after each test discard instead of waiting for an answer."""
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *_args: QMessageBox.StandardButton.Discard)


@pytest.fixture
def workstations(database, services):
    """Workstation A (Dr Jane Roe) and B (Sam Lee) on the same database, signed in."""
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    services.accounts.add_user("slee", "Sam Lee", "Nurse", "NMC 98B7654C", PASSWORD)
    a = open_services(database, clock=lambda: A_SAVES_AT)
    b = open_services(database, clock=lambda: NOW)
    a.accounts.sign_in("jroe", PASSWORD)
    b.accounts.sign_in("slee", PASSWORD)
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def shown(qtbot):
    """Show an editor as its own window. Each is kept until the test's teardown: the
    question boxes it opens hold it only through their callbacks, and a box deleted after
    the test must not take the last reference to its parent with it."""
    kept = []

    def show(dialog):
        kept.append(dialog)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield show
    qtbot.wait(1)  # the closed boxes' deferred deletions, while their parents are held


def _save_patient(qtbot, dialog) -> None:
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))


def _reload(qtbot, dialog) -> None:
    """"Reload their version…", then confirm the question it asks."""
    click(qtbot, dialog.stale_notice.reload_button)
    question = dialog.reload_confirmation
    assert question.defaultButton() is question.keep_button  # Enter keeps the typing
    click(qtbot, question.act_button)


def test_a_patient_saved_at_another_workstation_is_refused_in_the_window_typing_kept(
        qtbot, workstations, shown):
    a, b = workstations
    registered = a.patients.register(a_patient())
    at_a = shown(PatientEditorDialog(a.patients, a.patients.get(registered.id)))
    at_b = shown(PatientEditorDialog(b.patients, b.patients.get(registered.id)))
    assert not at_b.stale_notice.isVisible()

    at_a.text_areas["allergies"].moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, at_a.text_areas["allergies"], "; latex")
    with qtbot.waitSignal(at_a.patient_saved):
        _save_patient(qtbot, at_a)

    at_b.phone.clear()
    type_text(qtbot, at_b.phone, "+44 20 7946 0999")
    at_b.text_areas["goals"].moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, at_b.text_areas["goals"], " — and Łódź <b>tone</b>")
    _save_patient(qtbot, at_b)

    notice = at_b.stale_notice
    assert notice.isVisible() and at_b.isVisible()
    assert "Dr Jane Roe (jroe) changed this patient on 2026-11-24 at 10:31" in \
        notice.message.text()
    assert "What you typed is still in this window." in notice.message.text()
    assert at_b.phone.text() == "+44 20 7946 0999"
    assert at_b.text_areas["goals"].toPlainText() == "Smoother cheeks — and Łódź <b>tone</b>"
    stored = b.patients.get(registered.id)
    assert (stored.phone, stored.allergies) == ("+44 20 7946 0001", "Penicillin; latex")

    # Saving again without reloading is refused again: nothing of theirs is overwritten.
    click(qtbot, notice.keep_button)
    assert not notice.isVisible()
    _save_patient(qtbot, at_b)
    assert notice.isVisible()

    _reload(qtbot, at_b)
    assert not notice.isVisible()
    assert at_b.text_areas["allergies"].toPlainText() == "Penicillin; latex"
    assert at_b.phone.text() == "+44 20 7946 0001"  # theirs: what was typed is gone
    at_b.phone.clear()
    type_text(qtbot, at_b.phone, "+44 20 7946 0999")
    with qtbot.waitSignal(at_b.patient_saved):
        _save_patient(qtbot, at_b)
    stored = a.patients.get(registered.id)
    assert (stored.phone, stored.allergies) == ("+44 20 7946 0999", "Penicillin; latex")


def _session_editor(services, patient, session):
    return SessionEditorDialog(services.sessions, patient, session,
                               questions=services.screening.new_screen(),
                               signer=services.accounts.current_user.printed_name,
                               courses=services.courses, today=NOW.date())


def test_a_session_saved_at_another_workstation_is_refused_in_the_window_typing_kept(
        qtbot, workstations, shown):
    a, b = workstations
    patient = a.patients.register(a_patient())
    draft = a.sessions.save(patient.id, a_full_session())
    at_a = shown(_session_editor(a, patient, a.sessions.get(draft.id)))
    at_b = shown(_session_editor(b, patient, b.sessions.get(draft.id)))

    at_a.show_step("outcome")
    at_a.step_pages["outcome"].notes.moveCursor(QTextCursor.MoveOperation.End)
    type_text(qtbot, at_a.step_pages["outcome"].notes, " Seen by Dr Roe.")
    with qtbot.waitSignal(at_a.session_saved):
        click(qtbot, at_a.save_draft_button)

    at_b.show_step("outcome")
    at_b.step_pages["outcome"].adverse_events.clear()
    type_text(qtbot, at_b.step_pages["outcome"].adverse_events, "Pinpoint bleeding, cheeks")
    click(qtbot, at_b.save_draft_button)
    notice = at_b.stale_notice
    assert notice.isVisible() and at_b.isVisible()
    assert "Dr Jane Roe (jroe) changed this session on 2026-11-24 at 10:31" in \
        notice.message.text()
    assert at_b.step_pages["outcome"].adverse_events.toPlainText() == \
        "Pinpoint bleeding, cheeks"
    assert "unsaved changes" in at_b.status_label.text()
    stored = b.sessions.get(draft.id)
    assert stored.outcome.adverse_events == draft.outcome.adverse_events
    assert stored.outcome.notes.endswith("Seen by Dr Roe.")

    _reload(qtbot, at_b)
    assert not notice.isVisible()
    assert at_b.step_pages["outcome"].notes.toPlainText().endswith("Seen by Dr Roe.")
    assert at_b.step_pages["outcome"].adverse_events.toPlainText() == \
        draft.outcome.adverse_events
    at_b.step_pages["outcome"].adverse_events.clear()
    type_text(qtbot, at_b.step_pages["outcome"].adverse_events, "Pinpoint bleeding, cheeks")
    with qtbot.waitSignal(at_b.session_saved):
        click(qtbot, at_b.save_draft_button)
    final = a.sessions.get(draft.id)
    assert (final.outcome.adverse_events, final.outcome.notes.endswith("Seen by Dr Roe.")
            ) == ("Pinpoint bleeding, cheeks", True)


def test_a_session_signed_at_another_workstation_is_named_and_shown_signed_on_reload(
        qtbot, workstations, shown):
    a, b = workstations
    patient = a.patients.register(a_patient())
    a.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1), "Sam Witness"))
    draft = a.sessions.save(patient.id, a_full_session(status=SessionStatus.COMPLETED))
    at_b = shown(_session_editor(b, patient, b.sessions.get(draft.id)))
    a.sessions.sign(draft.id, PASSWORD)

    dialog = at_b.sign()
    dialog.password.setText(PASSWORD)
    dialog.password_entered.emit(PASSWORD)
    assert at_b.stale_notice.isVisible()
    assert "already signed by Dr Jane Roe (jroe) on 2026-11-24 at 10:31" in \
        at_b.stale_notice.message.text()
    _reload(qtbot, at_b)
    assert at_b.read_only and "Dr Jane Roe" in at_b.signature_box.signed_banner.text()
    assert at_b.mismatch is None


def test_two_windows_on_the_clinic_server_the_second_save_is_refused_in_its_editor(
        qtbot, database, start_app):
    if not str(database).startswith("postgresql://"):
        pytest.skip("two app windows share a clinic server, not one SQLite file (the "
                    "file is held by the first)")
    first, second = start_app(database), start_app(database)
    registered = first.services.patients.register(a_patient())
    for window in (first, second):
        window.patients.reload()
        window.select_patient(registered.id)
    at_first, at_second = first.edit_patient(), second.edit_patient()
    type_text(qtbot, at_first.full_name, " Ruiz")
    with qtbot.waitSignal(at_first.patient_saved):
        _save_patient(qtbot, at_first)
    type_text(qtbot, at_second.email, ".uk")
    _save_patient(qtbot, at_second)
    assert at_second.isVisible() and at_second.stale_notice.isVisible()
    assert "Dr Jane Roe (jroe) changed this patient" in at_second.stale_notice.message.text()
    assert at_second.email.text() == "ana@example.org.uk"
    _reload(qtbot, at_second)
    assert at_second.full_name.text() == "Ana Martínez Ruiz"
    type_text(qtbot, at_second.email, ".uk")
    with qtbot.waitSignal(at_second.patient_saved):
        _save_patient(qtbot, at_second)
    stored = first.services.patients.get(registered.id)
    assert (stored.full_name, stored.email) == ("Ana Martínez Ruiz", "ana@example.org.uk")


def test_a_patient_reloaded_after_archiving_elsewhere_stays_archived_when_saved(
        qtbot, workstations, shown):
    a, b = workstations
    registered = a.patients.register(a_patient())
    at_b = shown(PatientEditorDialog(b.patients, b.patients.get(registered.id)))
    a.patients.archive(registered.id, "Moved away")
    type_text(qtbot, at_b.phone, "9")
    _save_patient(qtbot, at_b)
    assert "archived this patient" in at_b.stale_notice.message.text()
    _reload(qtbot, at_b)
    type_text(qtbot, at_b.phone, "9")
    with qtbot.waitSignal(at_b.patient_saved):
        _save_patient(qtbot, at_b)
    stored = a.patients.get(registered.id)
    assert stored.phone.endswith("9") and stored.archive_reason == "Moved away"
    assert dataclasses.replace(stored, phone=registered.phone) != registered  # archived


def test_a_patient_edited_twice_in_a_row_in_one_window_saves_both_times(qtbot, start_app):
    """The window's own save is not taken for another workstation's."""
    window = start_app()
    registered = window.services.patients.register(a_patient())
    window.patients.reload()
    window.select_patient(registered.id)
    for phone in ("+44 20 7946 0002", "+44 20 7946 0003"):
        dialog = window.edit_patient()
        dialog.phone.clear()
        type_text(qtbot, dialog.phone, phone)
        with qtbot.waitSignal(dialog.patient_saved):
            _save_patient(qtbot, dialog)
        assert not dialog.stale_notice.isVisible()
    assert window.services.patients.get(registered.id).phone == "+44 20 7946 0003"
