"""Logging a session step by step through the real editor, and finding it again."""

from __future__ import annotations

from datetime import date, time

import pytest
from PySide6.QtCore import QDate, QTime

from practitioner_app.domain.enums import (
    Bleeding,
    DeviceType,
    FacialZone,
    Fitzpatrick,
    Oedema,
    SessionStatus,
    Tolerance,
)
from practitioner_app.domain.screening import ScreenSeverity
from practitioner_app.ui.widgets.field_message import FieldMessage
from tests.factories import a_full_session, a_patient

from .helpers import answer_screen, click, type_text

ISOTRETINOIN = 5  # a caution in the default screen
PREGNANCY = 2  # a stop
REASON = "Stopped 8 months ago — dermatologist’s letter seen"


def _set_time(widget, value: time) -> None:
    widget.recorded.setChecked(True)
    widget.edit.setTime(QTime(value.hour, value.minute))


@pytest.fixture
def window_with_patient(start_app):
    window = start_app()
    # A session is recorded as one of the clinic's accounts; this one has a name to keep.
    window.services.accounts.add_user("zorsted", "Dr Zoë Ørsted", "Aesthetic nurse", "",
                                      "a long enough password")
    patient = window.services.patients.register(
        a_patient(full_name="Αλέξανδρος Παπαδόπουλος", fitzpatrick=Fitzpatrick.IV))
    window.patients.reload()
    window.select_patient(patient.id)
    return window


def _fill_full_session(qtbot, d) -> None:
    answer_screen(qtbot, d, yes={ISOTRETINOIN: REASON})
    d.session_date.setDate(QDate(2026, 11, 20))
    d.practitioner_name.choose("Dr Zoë Ørsted", "Aesthetic nurse")
    assert d.practitioner_role.text() == "Aesthetic nurse"
    pages = d.step_pages
    d.show_step("pre_checks")
    for name, box in pages["pre_checks"].checks.items():
        if name != "photo_consent":
            click(qtbot, box)
    _set_time(pages["pre_checks"].done_at, time(9, 0))
    type_text(qtbot, pages["pre_checks"].note, "Reviewed <history> & meds")

    d.show_step("cleansing")
    type_text(qtbot, pages["cleansing"].product, "Gentle cleanser")
    type_text(qtbot, pages["cleansing"].antiseptic, "Chlorhexidine 0.05%")
    _set_time(pages["cleansing"].done_at, time(9, 5))

    d.show_step("numbing")
    n = pages["numbing"]
    type_text(qtbot, n.agent, "BLT 20/6/4 %")
    type_text(qtbot, n.lot, "BLT-88")
    _set_time(n.applied_at, time(9, 10))
    _set_time(n.removed_at, time(9, 40))
    assert n.contact.text() == "30 min"

    d.show_step("needling")
    nd = pages["needling"]
    nd.device_type.set_value(DeviceType.RF)
    type_text(qtbot, nd.device_make, "Morpheus8")
    type_text(qtbot, nd.device_model, "Prime")
    type_text(qtbot, nd.device_serial, "SN-123")
    nd.cartridge_needles.setValue(24)
    type_text(qtbot, nd.cartridge_lot, "C-42")
    nd.cartridge_expiry.set_value(date(2027, 5, 31))
    click(qtbot, nd.single_use)
    _set_time(nd.started_at, time(9, 45))
    click(qtbot, nd.add_zone)
    click(qtbot, nd.add_zone)
    grid = nd.grid
    assert grid.rowCount() == 2
    grid.cell(0, "zone").set_value(FacialZone.CHEEKS)
    grid.cell(0, "depth_mm").setValue(1.5)
    grid.cell(0, "passes").setValue(3)
    type_text(qtbot, grid.cell(0, "speed"), "fast")
    type_text(qtbot, grid.cell(0, "technique"), "Stamping")
    grid.cell(0, "erythema").setValue(3)
    grid.cell(0, "bleeding").set_value(Bleeding.SCATTERED)
    grid.cell(0, "oedema").set_value(Oedema.MILD)
    type_text(qtbot, grid.cell(0, "rf_energy"), "Level 20")
    grid.cell(0, "rf_pulse_ms").setValue(3.5)
    type_text(qtbot, grid.cell(0, "note"), "Ёлка ≤ ok")
    grid.cell(1, "zone").set_value(FacialZone.FOREHEAD)
    grid.cell(1, "depth_mm").setValue(0.5)
    grid.cell(1, "passes").setValue(2)

    d.show_step("serum")
    type_text(qtbot, pages["serum"].product, "HA serum")
    type_text(qtbot, pages["serum"].lot, "HA-1")
    type_text(qtbot, pages["serum"].amount, "2 ml")
    _set_time(pages["serum"].done_at, time(10, 5))

    d.show_step("sunscreen")
    type_text(qtbot, pages["sunscreen"].product, "Mineral SPF 50")
    pages["sunscreen"].spf.setValue(50)
    _set_time(pages["sunscreen"].done_at, time(10, 10))

    d.show_step("aftercare")
    click(qtbot, pages["aftercare"].given)
    type_text(qtbot, pages["aftercare"].instructions, "Sheet v1")
    pages["aftercare"].next_appointment.set_value(date(2026, 12, 18))
    _set_time(pages["aftercare"].done_at, time(10, 12))

    d.show_step("outcome")
    pages["outcome"].tolerance.set_value(Tolerance.GOOD)
    type_text(qtbot, pages["outcome"].adverse_events, "None")
    pages["outcome"].total_minutes.setValue(75)
    type_text(qtbot, pages["outcome"].notes, "Line one\nLine two")


def test_full_session_is_saved_found_after_restart_and_shown_again(
        qtbot, start_app, window_with_patient, db_path):
    window = window_with_patient
    window.new_session_action.trigger()
    d = window.active_dialog
    assert d.caution.isVisible()  # Fitzpatrick IV caution on the session too
    _fill_full_session(qtbot, d)
    entered = d.value(SessionStatus.COMPLETED)
    warnings = window.services.sessions.check(entered, window.panel.patient.id)
    assert [p.path for p in warnings] == ["patient.fitzpatrick"]  # no errors left
    with qtbot.waitSignal(d.session_saved):
        click(qtbot, d.complete_button)
    assert not d.isVisible()
    assert window.panel.sessions.rowCount() == 1
    window.close()

    again = start_app(db_path)
    type_text(qtbot, again.search, "αλεξανδρος")
    assert again.patients.rowCount() == 1
    assert again.panel.patient.full_name == "Αλέξανδρος Παπαδόπουλος"
    assert again.panel.sessions.data(again.panel.sessions.index(0, 1)) == "Completed"
    click(qtbot, again.panel.open_session_button)
    reopened = again.active_dialog
    shown = reopened.value(SessionStatus.COMPLETED)
    assert shown == entered
    assert shown.status is SessionStatus.COMPLETED
    p = reopened.step_pages
    assert reopened.current_step() == "screen"  # the screen comes first
    assert shown.screen[ISOTRETINOIN].present is True
    assert shown.screen[ISOTRETINOIN].override_reason == REASON
    row = reopened.screen_page.rows[ISOTRETINOIN]
    assert row.yes.isChecked() and row.override_reason.text() == REASON
    assert reopened.screen_page.rows[0].no.isChecked()
    assert reopened.practitioner_name.text() == "Dr Zoë Ørsted"
    assert p["numbing"].agent.text() == "BLT 20/6/4 %"
    assert p["needling"].grid.cell(0, "note").text() == "Ёлка ≤ ok"
    assert p["needling"].grid.cell(0, "depth_mm").value() == 1.5
    assert p["outcome"].notes.toPlainText() == "Line one\nLine two"
    assert not p["needling"].grid.isColumnHidden(8)  # RF columns shown for RF devices
    reopened._dirty = False
    reopened.reject()


def test_out_of_range_depth_shows_its_message_and_nothing_is_saved(
        qtbot, window_with_patient):
    window = window_with_patient
    d = window.new_session()
    answer_screen(qtbot, d)
    d.show_step("needling")
    click(qtbot, d.step_pages["needling"].add_zone)
    d.step_pages["needling"].grid.cell(0, "depth_mm").setValue(4.0)
    d.step_pages["needling"].grid.cell(0, "passes").setValue(41)
    d.show_step("pre_checks")
    click(qtbot, d.save_draft_button)

    message = d.step_pages["needling"].zone_messages
    assert message.isVisible()
    assert "Needle depth (mm)" in message.text() and "at most 3.5 mm" in message.text()
    assert "Passes" in message.text() and "from 1 to 40" in message.text()
    assert d.current_step() == "needling"  # taken there
    assert d.step_list.item(4).text() == "5. Microneedling ✖"
    assert window.services.sessions.rows_for_patient(window.panel.patient.id) == []
    d._dirty = False
    d.reject()


def test_depth_above_clinic_warning_is_a_warning_and_saves(qtbot, window_with_patient):
    window = window_with_patient
    d = window.new_session()
    answer_screen(qtbot, d)
    d.show_step("needling")
    click(qtbot, d.step_pages["needling"].add_zone)
    grid = d.step_pages["needling"].grid
    grid.cell(0, "zone").set_value(FacialZone.FOREHEAD)
    grid.cell(0, "depth_mm").setValue(1.0)  # forehead warns above 0.75 mm
    message = d.step_pages["needling"].zone_messages
    assert message.isVisible() and "above the clinic's warning level" in message.text()
    assert message.styleSheet() == FieldMessage.WARNING_STYLE  # amber, not a block
    with qtbot.waitSignal(d.session_saved):
        click(qtbot, d.save_draft_button)
    rows = window.services.sessions.rows_for_patient(window.panel.patient.id)
    assert [(r.status, r.deepest_mm) for r in rows] == [(SessionStatus.DRAFT, 1.0)]
    d.reject()


def test_draft_is_resumed_and_completed_later(qtbot, window_with_patient):
    window = window_with_patient
    patient = window.panel.patient
    draft = window.services.sessions.save(
        patient.id, a_full_session(status=SessionStatus.DRAFT,
                                   aftercare=a_full_session().aftercare.__class__()))
    window.show_patient(patient.id)
    d = window.open_session(draft.id)
    assert d.status_label.text().startswith("Draft")
    click(qtbot, d.complete_button)  # aftercare not confirmed yet
    assert d.isVisible()
    assert "Aftercare: confirm" in d.board.labels["aftercare.given"].text()
    assert d.current_step() == "aftercare"
    click(qtbot, d.step_pages["aftercare"].given)
    with qtbot.waitSignal(d.session_saved):
        click(qtbot, d.complete_button)
    assert window.services.sessions.get(draft.id).status is SessionStatus.COMPLETED
    assert len(window.services.sessions.rows_for_patient(patient.id)) == 1


# -- the contraindication screen -------------------------------------------------------------
def test_the_screen_comes_first_and_needling_waits_for_every_answer(qtbot, window_with_patient):
    window = window_with_patient
    d = window.new_session()
    assert d.current_step() == "screen"
    assert d.step_list.item(0).text() == "1. Contraindication screen"
    rows = d.screen_page.rows
    assert [r.question.item for r in rows] == [
        a.item for a in window.services.screening.new_screen()]
    assert not any(r.yes.isChecked() or r.no.isChecked() for r in rows)  # nothing assumed
    assert rows[PREGNANCY].severity.text() == "Stop"
    assert rows[ISOTRETINOIN].severity.text() == "Caution"
    assert rows[ISOTRETINOIN].window.text() == "Window: 6 months"
    needling = d.step_pages["needling"]
    assert not needling.add_zone.isEnabled() and not needling.device_type.isEnabled()
    assert "Answer the contraindication screen first" in needling.notice.text()

    answer_screen(qtbot, d)
    assert needling.add_zone.isEnabled() and not needling.notice.isVisible()
    assert not d.blocked_banner.isVisible()
    d._dirty = False
    d.reject()


def test_a_stop_answer_blocks_the_needling_step(qtbot, window_with_patient):
    window = window_with_patient
    d = window.new_session()
    answer_screen(qtbot, d)
    d.show_step("needling")
    click(qtbot, d.step_pages["needling"].add_zone)  # zones entered before the answer changed

    d.show_step("screen")
    click(qtbot, d.screen_page.rows[PREGNANCY].yes)
    assert not d.blocked_banner.isVisible()  # a stop answered Yes is asked once more
    click(qtbot, d.screen_page.confirm_box.yes_button)
    needling = d.step_pages["needling"]
    assert d.blocked_banner.isVisible()
    assert d.blocked_banner.text().startswith("Session blocked: “Pregnancy or breastfeeding”")
    assert not needling.add_zone.isEnabled() and not needling.grid.isEnabled()
    assert not needling.device_type.isEnabled()
    assert "Session blocked" in needling.notice.text()
    assert not d.screen_page.rows[PREGNANCY].override_reason.isVisible()  # no overriding a stop

    d.show_step("needling")
    click(qtbot, d.save_draft_button)
    message = d.board.labels[f"screen[{PREGNANCY}].present"]
    assert message.isVisible()
    assert "Session blocked: “Pregnancy or breastfeeding”" in message.text()
    assert d.current_step() == "screen"  # taken to the answer that blocks
    assert d.step_list.item(0).text().endswith("✖")
    assert window.services.sessions.rows_for_patient(window.panel.patient.id) == []
    d._dirty = False
    d.reject()


def test_a_caution_answered_yes_needs_a_reason_shown_beside_it(qtbot, window_with_patient):
    window = window_with_patient
    d = window.new_session()
    answer_screen(qtbot, d, yes={ISOTRETINOIN: ""})
    row = d.screen_page.rows[ISOTRETINOIN]
    assert row.question.severity is ScreenSeverity.CAUTION
    assert row.override_reason.isVisible() and row.override_reason.isEnabled()
    message = d.board.labels[f"screen[{ISOTRETINOIN}].override_reason"]
    assert message.isVisible()
    assert message.text() == "Caution “Isotretinoin”: write the reason for going ahead."
    assert d.step_list.item(0).text().endswith("✖")
    click(qtbot, d.save_draft_button)
    assert window.services.sessions.rows_for_patient(window.panel.patient.id) == []
    assert d.current_step() == "screen"

    type_text(qtbot, row.override_reason, REASON)
    assert not message.isVisible()
    with qtbot.waitSignal(d.session_saved):
        click(qtbot, d.save_draft_button)
    saved = window.services.sessions.get(d.saved_session.id)
    assert saved.screen[ISOTRETINOIN].override_reason == REASON
    click(qtbot, row.no)  # a reason typed for a Yes is not kept once the answer is No
    assert not row.override_reason.isVisible()
    assert d.value().screen[ISOTRETINOIN].override_reason == ""
    d._dirty = False
    d.reject()
