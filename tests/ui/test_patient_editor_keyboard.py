"""The patient editor from the keyboard: the first keys land in a field, every problem
shows on the first Save, Escape asks before throwing typed data away, and no clinical
value (sex, skin type) is chosen for the clinician."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from practitioner_app.domain.enums import Fitzpatrick, Sex
from tests.factories import a_patient

from .helpers import click, type_text


def _opened(qtbot, dialog):
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def _save(qtbot, dialog) -> None:
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))


def test_keys_typed_as_the_window_opens_land_in_the_first_field_to_fill(qtbot, start_app):
    window = start_app()
    dialog = _opened(qtbot, window.new_patient())
    assert QApplication.focusWidget() is dialog.full_name  # the number is suggested
    QTest.keyClicks(QApplication.focusWidget(), "Ana Keys")
    assert dialog.full_name.text() == "Ana Keys"
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.date_of_birth
    dialog.close()

    saved = window.services.patients.register(a_patient())
    window.patients.reload()
    window.select_patient(saved.id)
    dialog = _opened(qtbot, window.edit_patient())
    assert QApplication.focusWidget() is dialog.number


def test_every_problem_is_shown_on_the_first_save(qtbot, start_app):
    window = start_app()
    dialog = _opened(qtbot, window.new_patient())
    type_text(qtbot, dialog.date_of_birth, "31/02/1985")
    type_text(qtbot, dialog.email, "no-at-sign")
    _save(qtbot, dialog)
    labels = dialog.board.labels
    assert "Date of birth is required" in labels["date_of_birth"].text()
    assert labels["full_name"].text() == "Full name is required."
    assert labels["sex"].text() == "Sex is required: choose Female, Male, Other or Not stated."
    assert labels["fitzpatrick"].text() == "Fitzpatrick type is required: choose I to VI."
    assert "Email must contain @" in labels["email"].text()
    assert dialog.summary.text().startswith("Not saved: 5 problem(s)")
    assert QApplication.focusWidget() is dialog.date_of_birth  # the first, in form order
    assert window.services.patients.search("") == []


def test_sex_and_skin_type_start_unchosen_and_must_be_chosen(qtbot, start_app):
    window = start_app()
    dialog = _opened(qtbot, window.new_patient())
    assert dialog.sex.value() is None and dialog.sex.currentText() == "— choose —"
    assert dialog.fitzpatrick.value() is None
    assert not dialog.board.labels["fitzpatrick"].isVisible()  # no caution for nobody
    type_text(qtbot, dialog.full_name, "Chosen Carefully")
    type_text(qtbot, dialog.date_of_birth, "1985-04-12")
    dialog.sex.setFocus()
    QTest.keyClick(dialog.sex, Qt.Key.Key_Down)  # Female, chosen from the keyboard
    dialog.fitzpatrick.set_value(Fitzpatrick.II)
    with qtbot.waitSignal(dialog.patient_saved):
        _save(qtbot, dialog)
    patient = window.services.patients.get(dialog.saved_patient.id)
    assert (patient.sex, patient.fitzpatrick) == (Sex.FEMALE, Fitzpatrick.II)


def test_escape_asks_before_throwing_typed_data_away(qtbot, start_app):
    window = start_app()
    dialog = _opened(qtbot, window.new_patient())
    type_text(qtbot, dialog.full_name, "Ünsaved <b>Name</b>")
    QTest.keyClick(dialog.full_name, Qt.Key.Key_Escape)
    box = dialog.confirmation
    assert dialog.isVisible() and box.isVisible()
    assert box.defaultButton() is box.keep_button  # Enter keeps editing
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.full_name.text() == "Ünsaved <b>Name</b>"

    QTest.keyClick(dialog.full_name, Qt.Key.Key_Escape)
    click(qtbot, dialog.confirmation.act_button)
    assert not dialog.isVisible()
    assert window.services.patients.search("") == []


def test_escape_closes_at_once_when_nothing_was_typed(qtbot, start_app):
    window = start_app()
    dialog = _opened(qtbot, window.new_patient())
    QTest.keyClick(dialog.full_name, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.confirmation is None
