"""The due list in the window shows the soonest courses only, and says when more are
due than it shows."""

from __future__ import annotations

from datetime import date, timedelta

from practitioner_app.domain.course import Course
from practitioner_app.ui.widgets import due_list
from tests.factories import a_full_session, a_patient

TODAY = date.today()


def test_the_due_list_shows_the_soonest_and_says_more_are_due(start_app, monkeypatch):
    monkeypatch.setattr(due_list, "SHOWN", 2)
    window = start_app()
    services = window.services
    for n, days_ago in enumerate((60, 80, 70)):
        patient = services.patients.register(a_patient(number=f"P{n + 1:06d}",
                                                       full_name=f"Due Patient {n}"))
        services.courses.save(patient.id, Course(0, TODAY - timedelta(days=120)))
        services.sessions.save(patient.id, a_full_session(
            session_date=TODAY - timedelta(days=days_ago), course_number=1))
    due = window.course_actions.due_list
    due.refresh()
    assert [due.table.item(r, 2).text() for r in range(due.table.rowCount())] == [
        "Due Patient 1", "Due Patient 2"]  # 80 and 70 days ago: the most overdue
    assert due.count.text() == "2+ patients"
    assert "soonest" in due.count.toolTip()
    due.within.setValue(0)  # fewer due than shown: the plain count
    monkeypatch.setattr(due_list, "SHOWN", 3)
    due.refresh()
    assert due.table.rowCount() == 3 and due.count.text() == "3 patients"
