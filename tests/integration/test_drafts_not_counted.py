"""A draft is a session being written, not a treatment given: it does not count towards a
course's "k of N", its next due date, the due list or its depth chart."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from practitioner_app.domain.course import Course
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.session import TreatmentSession
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient
from tests.ui.conftest import start_app  # noqa: F401 - the real window, signed in

TODAY = NOW.date()


def _given(day: date) -> TreatmentSession:
    return a_full_session(session_date=day, course_number=1, aftercare=dataclasses.replace(
        a_full_session().aftercare, next_appointment=None))


def _empty_draft(day: date) -> TreatmentSession:
    """What the session editor saves when a clinician opens a session and leaves it."""
    return TreatmentSession(session_date=day, practitioner_name="Dr Jane Roe",
                            practitioner_role="Aesthetic nurse prescriber",
                            course_number=1, status=SessionStatus.DRAFT)


@pytest.fixture
def patient(services):
    p = services.patients.register(a_patient())
    services.courses.save(p.id, Course(0, TODAY - timedelta(days=60), planned_sessions=4))
    return p


def test_an_empty_draft_dated_today_changes_nothing_about_the_course(services, patient):
    first = services.sessions.save(patient.id, _given(TODAY - timedelta(days=35)))
    services.sessions.save(patient.id, _empty_draft(TODAY))

    [row] = services.courses.due(0)  # still overdue: 35 days since the only session given
    assert (row.sessions_done, row.planned_sessions) == (1, 4)
    assert row.last_session == first.session_date
    assert row.due_on == TODAY - timedelta(days=7)
    assert services.courses.next_due(patient.id, 1) == TODAY - timedelta(days=7)
    assert services.courses.previous_session(patient.id, 1) == first
    assert [s.id for s in services.courses.given_sessions(patient.id, 1)] == [first.id]


def test_a_draft_left_between_sessions_is_not_in_the_numbering(services, patient):
    services.sessions.save(patient.id, _given(TODAY - timedelta(days=35)))
    draft = services.sessions.save(patient.id, _empty_draft(TODAY - timedelta(days=5)))
    today = services.sessions.save(patient.id, _given(TODAY))
    assert services.courses.position(patient.id, today) == (2, 4)
    assert services.courses.position(patient.id, draft) == (3, 4)  # were it completed next
    assert services.courses.due(0) == []  # given today: next due in 28 days
    [row] = services.courses.due(28)
    assert (row.sessions_done, row.due_on) == (2, TODAY + timedelta(days=28))


def test_a_draft_does_not_demand_an_early_session_reason(services, patient):
    """A draft left open yesterday must not make today's real session 'too early'."""
    services.sessions.save(patient.id, _empty_draft(TODAY - timedelta(days=1)))
    saved = services.sessions.save(patient.id, _given(TODAY))
    assert saved.interval_override_reason == ""


def test_the_courses_window_counts_and_charts_given_sessions_only(qtbot, start_app):  # noqa: F811
    window = start_app()
    services = window.services
    today = date.today()  # the window runs on the real clock
    p = services.patients.register(a_patient())
    services.courses.save(p.id, Course(0, today - timedelta(days=60), planned_sessions=4))
    given = services.sessions.save(p.id, _given(today - timedelta(days=35)))
    services.sessions.save(p.id, _empty_draft(today))
    window.course_actions.refresh()
    due = window.course_actions.due_list
    assert due.table.item(0, 5).text() == "1 of 4"

    window.patients.reload()
    window.select_patient(p.id)
    dialog = window.course_actions.open_courses()
    qtbot.addWidget(dialog)
    dialog.course_list.setCurrentRow(0)
    assert "1 of 4 sessions" in dialog.summary.text()
    assert [s.id for s in dialog.trend.sessions] == [given.id]
    assert dialog.sessions_table.rowCount() == 1
