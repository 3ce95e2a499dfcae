"""Clinic details, the idle lock and a course changed at another workstation while this
one had them open: the save is refused in the window, naming who changed them, with what
was typed kept; nothing is written over the other change."""

from __future__ import annotations

from datetime import date, timedelta

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.course import Course, CourseStatus
from practitioner_app.services.container import open_services
from tests.factories import a_patient

from .conftest import PASSWORD, USERNAME
from .helpers import click, type_text


def _elsewhere(db_path):
    """Another workstation, signed in as the same administrator."""
    other = open_services(db_path)
    other.accounts.sign_in(USERNAME, PASSWORD)
    return other


def test_clinic_details_changed_elsewhere_are_not_overwritten(qtbot, start_app, db_path):
    window = start_app()
    window.services.clinic.save_profile(ClinicProfile(name="Harbour Skin Clinic"))
    dialog = window.edit_clinic()
    other = _elsewhere(db_path)
    try:
        other.clinic.save_profile(ClinicProfile(name="Harbour Skin Clinic",
                                                phone="+44 1632 960001"))
    finally:
        other.close()
    dialog.name.clear()
    type_text(qtbot, dialog.name, "Harbour Clinic & Spa")
    click(qtbot, dialog.buttons.buttons()[0])
    assert dialog.isVisible() and dialog.notice.isVisible()
    assert "Not saved" in dialog.notice.text() and "Dr Jane Roe" in dialog.notice.text()
    assert dialog.name.text() == "Harbour Clinic & Spa"
    assert window.services.clinic.profile().phone == "+44 1632 960001"
    assert window.services.clinic.profile().name == "Harbour Skin Clinic"


def test_the_idle_lock_changed_elsewhere_is_not_overwritten(qtbot, start_app, db_path):
    window = start_app()
    dialog = window.access.open_practitioners()
    other = _elsewhere(db_path)
    try:
        other.security.set_idle_minutes(7)
    finally:
        other.close()
    dialog.idle_minutes.setValue(12)
    click(qtbot, dialog.save_idle_button)
    assert window.services.security.idle_minutes() == 7
    assert "changed" in dialog.message.text()


def test_a_course_stopped_elsewhere_is_not_completed_over_it(qtbot, start_app, db_path):
    window = start_app()
    s = window.services
    patient = s.patients.register(a_patient(number="P000401"))
    s.courses.save(patient.id, Course(0, date.today() - timedelta(days=30), planned_sessions=3))
    window.select_patient(patient.id)
    dialog = window.course_actions.open_courses()
    other = _elsewhere(db_path)
    try:
        other.courses.stop(patient.id, 1, "Moved abroad")
    finally:
        other.close()
    click(qtbot, dialog.complete_button)
    click(qtbot, dialog.confirm_box.confirm_button)
    assert "Dr Jane Roe" in dialog.message.text()
    [course] = s.courses.courses(patient.id)
    assert course.status is CourseStatus.STOPPED
