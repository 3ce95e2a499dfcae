"""The next appointment's time typed in the session editor, and the out-of-hours number
typed in the Clinic details dialog, are kept."""

from __future__ import annotations

from practitioner_app.domain.enums import SessionStatus
from tests.safety_helpers import query

from .helpers import click, type_text
from .test_session_editor import _fill_full_session, window_with_patient  # noqa: F401


def test_a_typed_next_appointment_time_is_saved(qtbot, window_with_patient, db_path):  # noqa: F811
    window = window_with_patient
    window.new_session_action.trigger()
    d = window.active_dialog
    _fill_full_session(qtbot, d)
    page = d.step_pages["aftercare"]
    d.show_step("aftercare")
    click(qtbot, page.next_appointment_time.recorded)
    type_text(qtbot, page.next_appointment_time.edit.line, "10:30")
    assert d.value(SessionStatus.COMPLETED).aftercare.next_appointment_time.hour == 10
    with qtbot.waitSignal(d.session_saved):
        click(qtbot, d.complete_button)
    window.close()
    assert [t[:5] for (t,) in query(
        db_path, "SELECT aftercare_next_appointment_time FROM treatment_sessions")] == ["10:30"]


def test_the_clinic_details_dialog_saves_the_out_of_hours_number(qtbot, start_app):
    window = start_app()
    dialog = window.edit_clinic()
    type_text(qtbot, dialog.name, "Bright Skin Clinic")
    type_text(qtbot, dialog.out_of_hours_phone, "07700 900123")
    with qtbot.waitSignal(dialog.clinic_saved):
        click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Save))
    assert window.services.clinic.profile().out_of_hours_phone == "07700 900123"
