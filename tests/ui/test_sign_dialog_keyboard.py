"""The Sign dialog driven from the keyboard, as a practitioner does: the password typed
into the focused field and Enter pressed."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from practitioner_app.domain.audit import Action
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.signing import Consent
from tests.factories import a_full_session, a_patient

from .conftest import PASSWORD
from .helpers import click


@pytest.fixture
def window(start_app):
    window = start_app()
    patient = window.services.patients.register(a_patient())
    window.services.consents.record(patient.id, Consent(
        "treatment", window.services.consents.current_version(), date(2026, 11, 1),
        "Sam Witness"))
    window.patients.reload()
    window.select_patient(patient.id)
    return window


def _open_sign_dialog(qtbot, window):
    session = window.services.sessions.save(
        window.panel.patient.id, a_full_session(status=SessionStatus.COMPLETED))
    editor = window.open_session(session.id)
    click(qtbot, editor.sign_button)
    dialog = editor.sign_dialog
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password)
    return session, editor, dialog


def _type_and_press_enter(qtbot, text: str) -> None:
    focused = QApplication.focusWidget()
    if text:
        qtbot.keyClicks(focused, text)
    qtbot.keyClick(focused, Qt.Key.Key_Return)


def test_enter_with_the_right_password_signs(qtbot, window):
    session, editor, dialog = _open_sign_dialog(qtbot, window)
    with qtbot.waitSignal(editor.session_saved):
        _type_and_press_enter(qtbot, PASSWORD)
    assert not dialog.isVisible()
    assert editor.read_only
    stored = window.services.sessions.get(session.id)
    assert stored.signature is not None and stored.is_signed


def test_enter_with_a_wrong_password_says_so_keeps_the_dialog_and_is_audited(qtbot, window):
    session, editor, dialog = _open_sign_dialog(qtbot, window)
    _type_and_press_enter(qtbot, "not my password")
    assert dialog.isVisible()
    assert dialog.message.isVisible()
    assert dialog.message.text() == "Wrong username or password."
    assert QApplication.focusWidget() is dialog.password  # ready for the next try
    assert window.services.sessions.get(session.id).signature is None
    entries = window.services.audit.find(patient_id=window.panel.patient.id)
    refused = [e for e in entries if e.action == Action.SIGNATURE_REFUSED]
    assert len(refused) == 1
    assert refused[0].session_id == session.id
    assert "Wrong username or password" in refused[0].details

    with qtbot.waitSignal(editor.session_saved):  # and the right one then signs
        _type_and_press_enter(qtbot, PASSWORD)
    assert editor.read_only


def test_enter_with_no_password_says_why_and_signs_nothing(qtbot, window):
    session, editor, dialog = _open_sign_dialog(qtbot, window)
    _type_and_press_enter(qtbot, "")
    assert dialog.isVisible()
    assert "Type your password" in dialog.message.text()
    assert window.services.sessions.get(session.id).signature is None


def test_escape_cancels_without_signing(qtbot, window):
    session, editor, dialog = _open_sign_dialog(qtbot, window)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert not editor.read_only
    assert window.services.sessions.get(session.id).signature is None
