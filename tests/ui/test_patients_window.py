"""Registering, finding and editing patients through the real windows."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QDialogButtonBox

from practitioner_app.domain.enums import Fitzpatrick, Sex
from practitioner_app.ui.models.patient_table_model import PatientTableModel
from tests.factories import HOSTILE_NAMES, a_full_session, a_patient

from .helpers import click, type_text


def _save_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_register_patient_through_the_dialog(qtbot, start_app):
    window = start_app()
    window.new_patient_action.trigger()
    dialog = window.active_dialog
    assert dialog.number.text() == "P000001"  # the next free number is offered
    name = "Łucja Świętochowska-Gęślą <b>&amp;</b>"
    type_text(qtbot, dialog.full_name, name)
    type_text(qtbot, dialog.date_of_birth, "12/04/1985")
    dialog.sex.set_value(Sex.FEMALE)  # nothing is pre-chosen (test_patient_editor_keyboard)
    dialog.fitzpatrick.set_value(Fitzpatrick.V)
    type_text(qtbot, dialog.phone, "+44 20 7946 0001")
    click(qtbot, dialog.concern_boxes[next(iter(dialog.concern_boxes))])
    type_text(qtbot, dialog.text_areas["allergies"], "Lidocaine")
    assert dialog.board.labels["fitzpatrick"].isVisible()  # caution before saving
    with qtbot.waitSignal(dialog.patient_saved):
        click(qtbot, _save_button(dialog))

    patient = window.panel.patient
    assert patient.full_name == name
    assert patient.date_of_birth == date(1985, 4, 12)
    assert patient.allergies == "Lidocaine"
    assert window.panel.name.text() == name
    assert window.panel.caution.isVisible()
    assert "Fitzpatrick type V" in window.panel.caution.text()
    assert window.patients.rowCount() == 1


def test_missing_name_and_date_are_named_and_nothing_is_saved(qtbot, start_app):
    window = start_app()
    dialog = window.new_patient()
    click(qtbot, _save_button(dialog))
    assert dialog.isVisible()
    message = dialog.board.labels["date_of_birth"]
    assert message.isVisible() and "Date of birth is required" in message.text()
    type_text(qtbot, dialog.date_of_birth, "2999-01-01")
    click(qtbot, _save_button(dialog))
    assert "Full name is required" in dialog.board.labels["full_name"].text()
    assert "cannot be in the future" in dialog.board.labels["date_of_birth"].text()
    assert window.services.patients.search("") == []


def test_duplicate_patient_number_is_refused_next_to_the_field(qtbot, start_app):
    window = start_app()
    window.services.patients.register(a_patient(number="P000050"))
    dialog = window.new_patient()
    dialog.number.setText("P000050")
    type_text(qtbot, dialog.full_name, "Someone Else")
    type_text(qtbot, dialog.date_of_birth, "1970-01-01")
    dialog.sex.set_value(Sex.MALE)
    dialog.fitzpatrick.set_value(Fitzpatrick.II)
    click(qtbot, _save_button(dialog))
    assert "already used" in dialog.board.labels["number"].text()
    assert len(window.services.patients.search("")) == 1


def test_search_as_you_type_by_name_without_accents_and_by_number(qtbot, start_app):
    window = start_app()
    for i, name in enumerate(HOSTILE_NAMES):
        window.services.patients.register(a_patient(number=f"P{i + 1:06d}", full_name=name))
    window.patients.reload()
    assert window.patients.rowCount() == len(HOSTILE_NAMES)

    type_text(qtbot, window.search, "swietochowska")
    assert window.patients.rowCount() == 1
    assert window.panel.patient.full_name == "Łucja Świętochowska-Gęślą"

    window.search.clear()
    type_text(qtbot, window.search, "жанна")
    assert window.patients.rowCount() == 1
    assert window.panel.patient.full_name.startswith("Жанна")

    window.search.clear()
    type_text(qtbot, window.search, "P000003")
    assert [window.patients.data(window.patients.index(0, 1))] == ["Zoltán Őrsi Şükrü"]

    window.search.clear()
    type_text(qtbot, window.search, "<script>")
    assert window.patients.rowCount() == 1
    # The panel follows the list once typing pauses, showing the name as typed.
    qtbot.waitUntil(lambda: window.panel.name.text() == HOSTILE_NAMES[0], timeout=2_000)

    window.search.clear()
    type_text(qtbot, window.search, "nobody by this name")
    assert window.patients.rowCount() == 0
    assert window.panel.patient is None


def test_edit_patient_keeps_number_and_saves_changes(qtbot, start_app):
    window = start_app()
    saved = window.services.patients.register(a_patient())
    window.patients.reload()
    window.select_patient(saved.id)
    dialog = window.edit_patient()
    assert dialog.full_name.text() == saved.full_name
    dialog.full_name.clear()
    type_text(qtbot, dialog.full_name, "Ana Martínez-Ruiz")
    with qtbot.waitSignal(dialog.patient_saved):
        click(qtbot, _save_button(dialog))
    assert window.services.patients.get(saved.id).full_name == "Ana Martínez-Ruiz"
    assert window.panel.name.text() == "Ana Martínez-Ruiz"


def test_patient_table_model_is_a_well_behaved_model(qtmodeltester, services):
    for i in range(30):
        services.patients.register(a_patient(number=f"P{i:06d}", full_name=f"Patient {i:02d}"))
    model = PatientTableModel(services.patients.search, services.patients.rows)
    model.set_query("")
    qtmodeltester.check(model)
    assert model.rowCount() == 30
    assert model.data(model.index(29, 1)) == "Patient 29"


def test_the_panel_follows_the_search_once_typing_pauses(qtbot, start_app):
    """Key presses pay only for the list; the panel shows the first match once typing
    pauses, and anything that acts on "the patient" gets the one selected, never the one
    still on screen."""
    window = start_app()
    anna = window.services.patients.register(a_patient(number="P000001",
                                                       full_name="Anna Alpha"))
    window.services.patients.register(a_patient(number="P000002",
                                                      full_name="Bea Beta"))
    window.services.sessions.save(anna.id, a_full_session())
    window.patients.reload()
    assert window.panel.name.text() == "Anna Alpha"  # not typed: shown at once

    type_text(qtbot, window.search, "bea")
    assert window.patients.row_data(0).full_name == "Bea Beta"
    assert window.panel.is_pending and window.panel.name.text() == "Anna Alpha"
    qtbot.waitUntil(lambda: window.panel.name.text() == "Bea Beta", timeout=2_000)
    assert not window.panel.is_pending

    window.search.clear()  # Anna first again: a session of hers is on screen
    qtbot.waitUntil(lambda: window.panel.name.text() == "Anna Alpha", timeout=2_000)
    type_text(qtbot, window.search, "be")
    assert window.panel.is_pending and window.panel.name.text() == "Anna Alpha"
    window.panel._open_row(0)  # Anna's session, clicked before the panel followed
    assert window.active_dialog is None  # not opened: the panel is brought up to date
    assert window.panel.name.text() == "Bea Beta"

    window.search.clear()
    qtbot.waitUntil(lambda: window.panel.name.text() == "Anna Alpha", timeout=2_000)
    type_text(qtbot, window.search, "bea")
    editor = window.edit_patient()  # an action reads the patient: the selected one
    assert editor is not None and editor.full_name.text() == "Bea Beta"
    editor.close()

    window.search.clear()
    type_text(qtbot, window.search, "anna")
    assert window.panel.is_pending
    window.close()  # typed just before quitting: nothing is read after the database closed
    assert not window.panel.is_pending and window.panel.shown_patient.full_name == "Bea Beta"


def test_at_the_default_size_the_panel_shows_its_warnings_whole(qtbot, start_app):
    """At 1280×800, a patient with the skin-type caution and no consent on file: every
    line of the panel's warnings is on screen, none cut off by the due list below."""
    from practitioner_app.domain.enums import Fitzpatrick

    window = start_app()
    window.resize(1280, 800)
    window.services.patients.register(a_patient(fitzpatrick=Fitzpatrick.V,
                                                medical_history="Hypothyroidism, stable"))
    window.patients.reload()
    labels = (window.panel.caution, window.panel.treatment_consent)
    qtbot.waitUntil(lambda: all(label.isVisible() and label.text() for label in labels))

    def whole() -> bool:  # once the layout has settled
        return all(label.height() >= label.heightForWidth(label.width()) for label in labels)

    qtbot.waitUntil(whole, timeout=2_000)
