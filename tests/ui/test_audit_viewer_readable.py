"""The audit trail viewer reads as words: each action by its name (course events as
course events, refused signatures shown), details as "field: old → new" rather than JSON,
and filters by patient, practitioner, action and date."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt

from practitioner_app.domain.audit import Action
from practitioner_app.domain.audit_text import ACTION_LABELS, label, readable
from practitioner_app.domain.course import Course
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.errors import SignInRefused
from practitioner_app.domain.signing import Consent
from tests.factories import a_full_session, a_patient

from .helpers import click, type_text


def _rows(viewer) -> list[tuple[str, str, str, str]]:
    """(user, action, patient no., details) of each row shown."""
    m = viewer.model
    return [(m.text(r, 2), m.text(r, 3), m.text(r, 4), m.text(r, 6))
            for r in range(m.rowCount())]


def _choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)


def test_every_action_has_a_label_of_its_own():
    actions = {v for k, v in vars(Action).items() if k.isupper() and isinstance(v, str)}
    assert actions <= set(ACTION_LABELS), actions - set(ACTION_LABELS)
    assert len(set(ACTION_LABELS.values())) == len(ACTION_LABELS)  # no two alike


def test_details_read_as_words_and_hostile_text_stays_as_typed():
    details = json.dumps({"changes": [
        {"field": "full_name", "old": "Ana", "new": "Ana <b>Ruiz</b> & co"},
        {"field": "allergies", "old": "", "new": "Lidocaine"}]})
    assert readable(details) == ("full name: Ana → “Ana <b>Ruiz</b> & co”; "
                                 "allergies: (empty) → Lidocaine")
    assert readable(json.dumps({"account": "anurse", "admin": False})) == (
        "account: anurse; administrator: no")
    assert readable("") == "" and readable("not json") == ""
    assert label(Action.PATIENT_CHANGED, json.dumps({"course": 1})) == "Course saved"


@pytest.fixture
def window(start_app):
    window = start_app()
    return window


def test_the_viewer_names_course_events_and_refused_signatures(qtbot, window):
    s = window.services
    patient = s.patients.register(a_patient())
    s.courses.save(patient.id, Course(0, date.today(), planned_sessions=4))
    s.courses.complete(patient.id, 1)
    s.consents.record(patient.id, Consent("treatment", s.consents.current_version(),
                                          date.today(), "Sam Witness"))
    session = s.sessions.save(patient.id, a_full_session(status=SessionStatus.COMPLETED))
    with pytest.raises(SignInRefused):
        s.sessions.sign(session.id, "not the password")
    s.patients.update(dataclasses.replace(s.patients.get(patient.id), allergies="Lidocaine"))
    # Written by an older version: a course saved as a "patient changed" entry.
    s.audit.log(Action.PATIENT_CHANGED, patient_id=patient.id, course=2, status="open",
                planned=3)

    viewer = window.access.open_audit()
    rows = _rows(viewer)
    shown = [action for _user, action, _number, _details in rows]
    assert "Course opened" in shown and "Course changed" in shown
    assert "Course saved" in shown  # the older entry, labelled as what it was
    assert "Signature refused" in shown
    assert not any(details.startswith("{") for *_rest, details in rows)
    [opened] = [r for r in rows if r[1] == "Course opened"]
    assert opened[2] == patient.number
    assert opened[3] == "course: 1; planned sessions: 4; status: open"
    [changed] = [r for r in rows if r[1] == "Patient details changed"]
    assert changed[3] == "allergies: Penicillin → Lidocaine"
    [refused] = [r for r in rows if r[1] == "Signature refused"]
    assert refused[3].startswith("reason: ")
    m = viewer.model
    row = [m.text(r, 3) for r in range(m.rowCount())].index("Patient details changed")
    tooltip = m.data(m.index(row, 6), Qt.ItemDataRole.ToolTipRole)
    assert '"old":"Penicillin"' in tooltip  # as stored


def test_the_viewer_filters_by_action_practitioner_patient_and_date(qtbot, window):
    s = window.services
    first = s.patients.register(a_patient())
    other = s.patients.register(a_patient(number="P000102", full_name="Other"))
    for p in (first, other):
        s.courses.save(p.id, Course(0, date.today(), planned_sessions=3))
    viewer = window.access.open_audit()

    _choose(viewer.action, "Course opened")
    click(qtbot, viewer.apply_button)
    assert [(r[1], r[2]) for r in _rows(viewer)] == [
        ("Course opened", other.number), ("Course opened", first.number)]

    type_text(qtbot, viewer.patient_number, first.number)
    click(qtbot, viewer.apply_button)
    assert [(r[1], r[2]) for r in _rows(viewer)] == [("Course opened", first.number)]

    _choose(viewer.action, "Patient registered")
    viewer.patient_number.clear()
    _choose(viewer.user, "jroe — Dr Jane Roe")
    click(qtbot, viewer.apply_button)
    assert [r[0] for r in _rows(viewer)] == ["jroe", "jroe"]
    viewer.start.setDate(QDate.currentDate().addDays(1))
    viewer.end.setDate(QDate.currentDate().addDays(2))
    click(qtbot, viewer.apply_button)
    assert _rows(viewer) == []
    assert viewer.start.date().toPython() == date.today() + timedelta(days=1)


def test_a_filter_date_is_taken_as_typed_or_refused_by_name(qtbot, window):
    viewer = window.access.open_audit()
    assert _rows(viewer)  # the sign-in at least
    viewer.start.line.selectAll()
    qtbot.keyClicks(viewer.start.line, "2026-02-30")
    click(qtbot, viewer.apply_button)
    assert viewer.message.text().startswith("From: 2026-02-30 is not a date on the calendar")
    assert _rows(viewer) == []
    viewer.start.line.selectAll()
    qtbot.keyClicks(viewer.start.line, "2020-01-01")
    click(qtbot, viewer.apply_button)
    assert viewer.start.value() == date(2020, 1, 1)
    assert _rows(viewer)
