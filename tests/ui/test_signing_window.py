"""Signing a session in the real editor, signed sessions read-only, addenda, and a record
changed behind the app's back."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import date

import pytest
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
)

from practitioner_app.domain.audit import Action
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.signing import Consent
from practitioner_app.ui.dialogs.consent_dialog import ConsentDialog
from tests.factories import a_full_session, a_patient

from .conftest import FULL_NAME, PASSWORD, REGISTRATION, ROLE, USERNAME
from .helpers import answer_screen, click, type_text

INPUTS = (QLineEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox, QCheckBox, QRadioButton)


def signed_in(window):
    """The window with the administrator signed in (start_app signs in already; this
    keeps the tests independent of how)."""
    accounts = window.services.accounts
    if not accounts.has_accounts():
        accounts.create_first_admin(USERNAME, FULL_NAME, ROLE, REGISTRATION, PASSWORD)
    assert accounts.current_user is not None
    return window


@pytest.fixture
def window(start_app):
    window = signed_in(start_app())
    patient = window.services.patients.register(a_patient(full_name="Ana <i>Martínez</i>"))
    window.patients.reload()
    window.select_patient(patient.id)
    return window


def _consent(window) -> None:
    window.services.consents.record(window.panel.patient.id, Consent(
        "treatment", window.services.consents.current_version(), date(2026, 11, 1),
        "Sam Witness"))


def _saved(window, **overrides):
    session = window.services.sessions.save(window.panel.patient.id, a_full_session(
        status=SessionStatus.DRAFT, **overrides))
    window.show_patient(window.panel.patient.id)
    return session


def _sign_through_dialog(qtbot, editor, password: str):
    click(qtbot, editor.sign_button)
    dialog = editor.sign_dialog
    assert dialog.isVisible()
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    type_text(qtbot, dialog.password, password)
    click(qtbot, dialog.sign_button)
    return dialog


def _enabled_inputs(editor) -> list:
    """The editor's own inputs (not those of a dialog it opened) that can still be used."""
    inputs = [w for kind in INPUTS for w in editor.findChildren(kind) if w.window() is editor]
    assert len(inputs) > 100  # the screen, every step and the zone rows were looked at
    return [w for w in inputs if w.isEnabled()]


def _tamper(db_path, statement: str) -> None:
    """What someone with the file and sqlite3 in hand could do."""
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER signed_session_no_update")
    con.execute(statement)
    con.commit()
    con.close()


def test_sign_is_offered_once_the_session_is_saved(qtbot, window):
    d = window.new_session()
    assert not d.sign_button.isEnabled()
    answer_screen(qtbot, d)
    with qtbot.waitSignal(d.session_saved):
        click(qtbot, d.save_draft_button)
    assert d.sign_button.isEnabled()
    d.reject()


def test_a_wrong_password_is_told_in_the_dialog_and_nothing_is_signed(qtbot, window):
    _consent(window)
    session = _saved(window)
    d = window.open_session(session.id)
    dialog = _sign_through_dialog(qtbot, d, "not my password")
    assert dialog.isVisible()
    assert dialog.message.isVisible()
    assert dialog.message.text() == "Wrong username or password."
    assert dialog.password.text() == ""  # cleared for the next try
    assert not d.read_only
    assert window.services.sessions.get(session.id).signature is None


def test_a_refused_signature_lists_what_is_missing_and_goes_to_the_first(qtbot, window):
    _consent(window)
    full = a_full_session()
    session = _saved(window, cleansing=dataclasses.replace(full.cleansing, done_at=None),
                     aftercare=dataclasses.replace(full.aftercare, given=False))
    d = window.open_session(session.id)
    d.show_step("outcome")
    dialog = _sign_through_dialog(qtbot, d, PASSWORD)
    assert not dialog.isVisible()
    assert d.current_step() == "cleansing"  # the first missing field, in procedure order
    cleansing = d.board.labels["cleansing.done_at"]
    assert cleansing.isVisible() and "Cleansing: record the time" in cleansing.text()
    assert "Aftercare: confirm" in d.board.labels["aftercare.given"].text()
    listed = d.sign_problems.text()
    assert "Not signed yet" in listed
    assert listed.index("Cleansing") < listed.index("Aftercare")
    assert not d.record_consent_button.isVisible()
    assert d.step_list.item(2).text().endswith("✖")  # 3. Cleansing
    assert not d.read_only
    assert window.services.sessions.get(session.id).signature is None


def test_missing_consent_points_to_the_patient_and_is_recorded_from_there(qtbot, window):
    session = _saved(window)
    d = window.open_session(session.id)
    _sign_through_dialog(qtbot, d, PASSWORD)
    assert "Treatment consent on the current consent text (version 1)" in d.sign_problems.text()
    assert d.record_consent_button.isVisible()

    click(qtbot, d.record_consent_button)
    consent = window.active_dialog
    assert isinstance(consent, ConsentDialog) and consent.parent() is d
    assert consent.text_version.text() == "1"
    type_text(qtbot, consent.witnessed_by, "Siân Witness")
    with qtbot.waitSignal(consent.consent_recorded):
        click(qtbot, consent.buttons.buttons()[0])
    assert "witnessed by Siân Witness" in window.panel.treatment_consent.text()

    with qtbot.waitSignal(d.session_saved):
        _sign_through_dialog(qtbot, d, PASSWORD)
    assert d.read_only


def test_signing_makes_the_editor_read_only_with_the_signature_shown(qtbot, window):
    _consent(window)
    session = _saved(window)
    d = window.open_session(session.id)
    with qtbot.waitSignal(d.session_saved):
        _sign_through_dialog(qtbot, d, PASSWORD)

    signed = window.services.sessions.get(session.id)
    assert signed.status is SessionStatus.SIGNED
    assert d.read_only and _enabled_inputs(d) == []
    for button in (d.save_draft_button, d.complete_button, d.sign_button):
        assert not button.isVisible()
    assert d.addendum_button.isVisible()
    banner = d.signature_box.signed_banner
    assert banner.isVisible()
    assert banner.text().startswith(
        f"Signed by Dr Jane Roe, Aesthetic nurse prescriber on "
        f"{signed.signature.signed_at:%Y-%m-%d %H:%M} · SHA-256 {signed.signature.digest[:16]}…")
    assert not d.signature_box.mismatch_banner.isVisible()
    assert window.panel.sessions.data(window.panel.sessions.index(0, 1)) == "Signed"


def test_a_signed_session_opens_read_only_and_takes_addenda(qtbot, window):
    _consent(window)
    session = _saved(window)
    signed = window.services.sessions.sign(session.id, PASSWORD)
    d = window.open_session(session.id)
    assert d.read_only and _enabled_inputs(d) == []
    assert not d.save_draft_button.isVisible() and not d.sign_button.isVisible()
    assert d.signature_box.signed_banner.isVisible()
    assert not d.signature_box.addenda_scroll.isVisible()

    click(qtbot, d.addendum_button)
    add = d.addendum_dialog
    click(qtbot, add.add_button)
    assert add.isVisible()
    assert add.board.labels["reason"].text() == "Reason for the addendum is required."
    assert add.board.labels["text"].text() == "Text of the addendum is required."
    type_text(qtbot, add.reason, "Depth misrecorded")
    type_text(qtbot, add.text, "Cheeks were 1.25 mm, not 1.5 mm <b>really</b>.")
    click(qtbot, add.add_button)
    assert not add.isVisible()

    [label] = d.signature_box.addendum_labels
    assert label.isVisible()
    assert "Dr Jane Roe, Aesthetic nurse prescriber, Reg. NMC 12A3456B" in label.text()
    assert "Reason: Depth misrecorded" in label.text()
    assert label.text().endswith("Cheeks were 1.25 mm, not 1.5 mm <b>really</b>.")
    needling = d.step_pages["needling"]
    assert needling.grid.cell(1, "depth_mm").value() == 1.5  # the original stays as signed
    stored = window.services.sessions.get(session.id)
    assert stored.needling == signed.needling and stored.signature == signed.signature
    d.reject()

    again = window.open_session(session.id)
    assert [x.text() for x in again.signature_box.addendum_labels] == [label.text()]
    assert window.services.sessions.verify(session.id) is None


def test_a_signed_record_changed_outside_the_app_shows_a_loud_warning(
        qtbot, window, db_path):
    _consent(window)
    session = _saved(window)
    window.services.sessions.sign(session.id, PASSWORD)
    _tamper(db_path, "UPDATE treatment_sessions SET outcome_notes = 'rewritten'")

    d = window.open_session(session.id)
    banner = d.signature_box.mismatch_banner
    assert banner.isVisible()
    assert "does not match its signature" in banner.text()
    assert d.read_only and _enabled_inputs(d) == []
    entries = window.services.audit.find(patient_id=window.panel.patient.id)
    assert entries[0].action == Action.DIGEST_MISMATCH
    assert entries[0].session_id == session.id
