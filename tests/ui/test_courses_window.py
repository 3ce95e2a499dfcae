"""Courses in the windows: the due list, a patient's courses with the depth trend, and
lot recall with its CSV."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from practitioner_app.domain.course import Course, CourseStatus
from practitioner_app.domain.enums import FacialZone
from tests.factories import a_full_session, a_patient

from .helpers import click, type_text

TODAY = date.today()


def _session(day, depth, course=1):
    s = a_full_session(session_date=day, course_number=course)
    zones = (dataclasses.replace(s.needling.zones[0], depth_mm=depth), s.needling.zones[1])
    return dataclasses.replace(
        s, needling=dataclasses.replace(s.needling, zones=zones),
        aftercare=dataclasses.replace(s.aftercare, next_appointment=None))


def _patient_with_course(window, number, last_days_ago, full_name):
    s = window.services
    p = s.patients.register(a_patient(number=number, full_name=full_name))
    s.courses.save(p.id, Course(0, TODAY - timedelta(days=120), planned_sessions=4))
    s.sessions.save(p.id, _session(TODAY - timedelta(days=last_days_ago + 30), 0.5))
    s.sessions.save(p.id, _session(TODAY - timedelta(days=last_days_ago), 0.75))
    return p


def test_due_list_is_sortable_and_opens_the_patient_on_enter(qtbot, start_app):
    window = start_app()
    soon = _patient_with_course(window, "P000201", 25, "Ann Soon")
    _patient_with_course(window, "P000202", 60, "Bob Overdue")
    _patient_with_course(window, "P000203", 1, "Cat Later")
    window.patients.reload()
    due = window.course_actions.due_list
    due.refresh()
    assert [due.table.item(r, 2).text() for r in range(due.table.rowCount())] == [
        "Bob Overdue", "Ann Soon"]
    assert due.table.item(0, 0).text().endswith("(overdue)")
    due.table.sortItems(2, Qt.SortOrder.DescendingOrder)
    assert due.table.item(0, 2).text() == "Bob Overdue"
    due.table.sortItems(2, Qt.SortOrder.AscendingOrder)
    due.table.setCurrentCell(0, 0)
    due.table.setFocus()
    with qtbot.waitSignal(due.patient_opened):
        QTest.keyClick(due.table, Qt.Key.Key_Return)
    assert window.panel.patient.id == soon.id
    due.within.setValue(30)
    assert due.table.rowCount() == 3


def test_courses_dialog_opens_a_course_and_shows_the_depth_trend(qtbot, start_app):
    window = start_app()
    patient = _patient_with_course(window, "P000301", 10, "Dee Trend")
    window.patients.reload()
    window.select_patient(patient.id)
    dialog = window.course_actions.open_courses()
    assert "2 of 4 sessions" in dialog.summary.text()
    assert dialog.trend.series[FacialZone.FOREHEAD] == [(0, 0.5), (1, 0.75)]
    assert dialog.sessions_table.item(1, 0).text() == "2 of 4"
    dialog.planned.setValue(0)
    click(qtbot, dialog.open_button)
    assert "Planned sessions must be from 1 to 20" in dialog.board.labels[
        "planned_sessions"].text()
    dialog.planned.setValue(2)
    click(qtbot, dialog.open_button)
    assert [c.number for c in dialog.courses] == [1, 2]
    click(qtbot, dialog.stop_button)
    assert "Reason the course stopped early" in dialog.message.text()
    type_text(qtbot, dialog.stop_reason, "Maintenance postponed")
    click(qtbot, dialog.stop_button)
    click(qtbot, dialog.confirm_box.confirm_button)  # stopping is confirmed first
    assert window.services.courses.courses(patient.id)[1].status is CourseStatus.STOPPED


def test_lot_recall_window_lists_uses_and_exports_csv(qtbot, start_app, tmp_path):
    window = start_app()
    _patient_with_course(window, "P000401", 10, "Eve Recall")
    dialog = window.course_actions.open_recall()
    click(qtbot, dialog.search_button)
    assert "Lot is required" in dialog.message.text()
    type_text(qtbot, dialog.lot, "HA-5520")
    click(qtbot, dialog.search_button)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 1).text() == "Eve Recall"
    assert dialog.export_to(tmp_path / "recall.csv")
    lines = (tmp_path / "recall.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[1].startswith('"P000401","Eve Recall"')
