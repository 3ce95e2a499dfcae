"""A session within a course, in the real editor: "session k of N", the early-session and
expired-lot reasons, and starting from the course's last session."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from practitioner_app.domain.course import Course
from tests.factories import a_full_session, a_patient

from .helpers import click, type_text

TODAY = date.today()


@pytest.fixture
def editor(start_app):
    window = start_app()
    s = window.services
    patient = s.patients.register(a_patient())
    s.courses.save(patient.id, Course(0, TODAY - timedelta(days=90), planned_sessions=4))
    s.sessions.save(patient.id, a_full_session(
        session_date=TODAY - timedelta(days=10), course_number=1,
        aftercare=dataclasses.replace(a_full_session().aftercare, next_appointment=None)))
    window.patients.reload()
    window.select_patient(patient.id)
    return window, window.new_session()


def _answer_screen_no(qtbot, d):
    for row in d.screen_page.rows:
        click(qtbot, row.no)


def test_a_new_session_joins_the_open_course_and_says_where_it_stands(editor):
    _window, d = editor
    box = d.course_box
    assert box.course().number == 1
    assert "session 2 of 4" in box.info.text()
    assert f"next due {(TODAY + timedelta(days=18)).isoformat()}" in box.info.text()


def test_an_early_session_asks_for_a_reason_before_it_saves(qtbot, editor):
    window, d = editor
    _answer_screen_no(qtbot, d)
    reason_row = d._reason_rows["interval_override_reason"]
    click(qtbot, d.save_draft_button)  # today is 10 days after the last: 18 days early
    assert d._header.isRowVisible(reason_row)
    assert "earlier than the course's minimum interval of 28 days" in d.board.labels[
        "interval_override_reason"].text()
    assert len(window.services.sessions.rows_for_patient(window.panel.patient.id)) == 1
    type_text(qtbot, d.course_box.interval_reason, "Patient travels abroad next month")
    with qtbot.waitSignal(d.session_saved):
        click(qtbot, d.save_draft_button)
    saved = window.services.sessions.get(d.saved_session.id)
    assert saved.interval_override_reason == "Patient travels abroad next month"
    assert saved.course_number == 1


def test_an_expired_lot_asks_for_a_reason(qtbot, editor):
    _window, d = editor
    serum = d.step_pages["serum"]
    serum.expiry.set_value(TODAY - timedelta(days=1))
    assert d._header.isRowVisible(d._reason_rows["expired_lot_reason"])
    assert "Serum lot expired on" in d.board.labels["serum.expiry"].text()
    type_text(qtbot, d.course_box.lot_reason, "Only lot in stock")
    assert "Serum lot expired on" in d.board.labels["serum.expiry"].text()  # now a caution
    assert not any(p.is_error and p.path in ("serum.expiry", "expired_lot_reason")
                   for p in d._problems(d.value()))


def test_start_from_the_last_session_takes_over_only_what_is_ticked(qtbot, editor):
    _window, d = editor
    assert d.course_box.previous_button.isEnabled()
    click(qtbot, d.course_box.previous_button)
    offer = d.previous_dialog
    assert set(offer.boxes) == {"device", "zones", "numbing", "serum", "sunscreen"}
    assert "Forehead 0.5 mm × 3" in offer.boxes["zones"].text()
    click(qtbot, offer.boxes["device"])
    click(qtbot, offer.boxes["zones"])
    offer.accept()
    needling = d.step_pages["needling"].value()
    assert needling.device_make == "Dermapen" and needling.cartridge_lot == ""  # no lots
    assert [(z.zone.value, z.depth_mm, z.passes, z.erythema) for z in needling.zones] == [
        ("forehead", 0.5, 3, None), ("cheeks", 1.5, 4, None)]  # endpoints are observed anew
    assert d.step_pages["serum"].value().product == ""  # not ticked, not taken
