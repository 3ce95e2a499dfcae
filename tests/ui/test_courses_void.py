"""The Courses window: no action without a course, opening on the open course, no
course opened twice by one more key press, and an administrator voiding a course opened
by mistake (confirmed, with a reason, audited)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from practitioner_app.domain.audit import Action
from practitioner_app.domain.course import Course, CourseStatus
from practitioner_app.domain.enums import Concern
from practitioner_app.domain.errors import PermissionDenied, ValidationError
from tests.factories import a_full_session, a_patient

TODAY = date.today()


@pytest.fixture
def window(start_app):
    window = start_app()
    patient = window.services.patients.register(a_patient())
    window.patients.reload()
    window.select_patient(patient.id)
    return window


def _dialog(qtbot, window):
    dialog = window.course_actions.open_courses()
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def focused():
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"  # QTest would abort
    return widget


def _press_button(qtbot, button) -> None:
    """Tab to a button and press Space, as from the keyboard."""
    button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(focused(), Qt.Key.Key_Space)


def _wait_for_box(qtbot, dialog):
    box = dialog.confirm_box
    assert box is not None and box.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and QApplication.focusWidget().window() is box)
    return box


def test_no_course_means_nothing_to_complete_stop_or_void(qtbot, window):
    dialog = _dialog(qtbot, window)
    assert dialog.current() is None
    for button in (dialog.complete_button, dialog.stop_button, dialog.void_button):
        assert not button.isEnabled()
    assert dialog.complete_current() is None  # and a shortcut does nothing either
    dialog.accept()


def test_the_window_opens_on_the_open_course_not_a_stopped_one(qtbot, window):
    courses, patient = window.services.courses, window.panel.patient
    courses.save(patient.id, Course(0, TODAY - timedelta(days=90)))
    courses.save(patient.id, Course(0, TODAY - timedelta(days=30)))
    courses.stop(patient.id, 2, "Moved away")
    dialog = _dialog(qtbot, window)
    assert dialog.current().number == 1
    assert dialog.complete_button.isEnabled()
    dialog.accept()

    courses.stop(patient.id, 1, "Paused")  # only stopped courses: none chosen
    dialog = _dialog(qtbot, window)
    assert dialog.current() is None
    assert "No open course" in dialog.summary.text()
    assert not dialog.stop_button.isEnabled()
    dialog.accept()


def test_pressing_open_course_twice_opens_one_course(qtbot, window):
    dialog = _dialog(qtbot, window)
    dialog.indications[1][Concern.ACNE_SCARS].setChecked(True)
    _press_button(qtbot, dialog.open_button)
    _press_button(qtbot, dialog.open_button)
    courses = window.services.courses.courses(window.panel.patient.id)
    # The form was cleared: the second press opened a plain course, not the same again.
    assert [c.indications for c in courses] == [frozenset({Concern.ACNE_SCARS}),
                                                frozenset()]
    assert not dialog.indications[1][Concern.ACNE_SCARS].isChecked()
    _press_button(qtbot, dialog.open_button)  # and that one cannot be opened twice
    assert len(window.services.courses.courses(window.panel.patient.id)) == 2
    assert "already open" in dialog.board.labels["started_on"].text()
    dialog.accept()


def test_an_identical_open_course_is_refused_by_the_service(window):
    courses, patient = window.services.courses, window.panel.patient
    courses.save(patient.id, Course(0, TODAY, indications=frozenset({Concern.ACNE_SCARS})))
    with pytest.raises(ValidationError, match="Course 1, from .* is already open"):
        courses.save(patient.id, Course(0, TODAY, indications=frozenset({Concern.ACNE_SCARS})))


def test_an_administrator_voids_a_mistaken_course_after_confirming(qtbot, window):
    courses, patient = window.services.courses, window.panel.patient
    courses.save(patient.id, Course(0, TODAY))
    dialog = _dialog(qtbot, window)
    _press_button(qtbot, dialog.void_button)  # no reason yet
    assert "Reason for voiding the course is required" in dialog.message.text()
    assert focused() is dialog.void_reason
    qtbot.keyClicks(focused(), "Opened twice by mistake")
    _press_button(qtbot, dialog.void_button)
    box = _wait_for_box(qtbot, dialog)
    assert "cannot be undone" in box.text()
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # Cancel is the default
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert courses.courses(patient.id)[0].status is CourseStatus.OPEN

    _press_button(qtbot, dialog.void_button)
    box = _wait_for_box(qtbot, dialog)
    _press_button(qtbot, box.confirm_button)
    [voided] = courses.courses(patient.id)
    assert (voided.status, voided.stopped_reason) == (CourseStatus.VOIDED,
                                                      "Opened twice by mistake")
    assert not dialog.void_button.isEnabled()
    with pytest.raises(ValidationError, match="was voided"):  # and it stays voided
        courses.stop(patient.id, 1, "Changed my mind")
    [entry] = [e for e in window.services.audit.find(patient_id=patient.id)
               if e.action == Action.COURSE_VOIDED]
    assert json.loads(entry.details) == {"course": 1, "old_status": "open",
                                         "reason": "Opened twice by mistake"}
    dialog.accept()

    editor = window.new_session()  # a voided course is offered to no session
    assert [c.number for c in editor.course_box.courses] == []
    editor._dirty = False
    editor.reject()


def test_only_an_untreated_course_is_voided_and_only_by_an_administrator(window):
    services, patient = window.services, window.panel.patient
    services.courses.save(patient.id, Course(0, TODAY - timedelta(days=60)))
    services.sessions.save(patient.id, a_full_session(
        session_date=TODAY - timedelta(days=30), course_number=1))
    with pytest.raises(ValidationError, match="has sessions recorded"):
        services.courses.void(patient.id, 1, "Mistake")
    services.courses.save(patient.id, Course(0, TODAY))
    services.accounts.add_user("asmith", "Ann Smith", "Nurse", "", "a long enough password")
    services.accounts.sign_out()
    services.accounts.sign_in("asmith", "a long enough password")
    with pytest.raises(PermissionDenied):
        services.courses.void(patient.id, 2, "Mistake")
    assert services.courses.courses(patient.id)[1].status is CourseStatus.OPEN


def test_the_window_fits_a_1280_by_800_screen(qtbot, window):
    dialog = _dialog(qtbot, window)
    assert dialog.width() <= 1280 and dialog.height() <= 760  # room for the frame
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 760
    dialog.accept()
