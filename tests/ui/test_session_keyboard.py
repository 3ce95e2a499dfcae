"""The session editor driven from the keyboard, as a clinician types: keys go to the
focused widget (QApplication.focusWidget()), never straight to a slot.

Dates and times are taken exactly as typed or refused with a message naming the field;
the zone grid keeps the zone in sight and Tab walks its cells in order; a Yes on a stop
question never comes from an arrow key wrapping round, and is asked once more.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QMessageBox

from practitioner_app.domain.enums import FacialZone
from practitioner_app.domain.screening import ScreenSeverity
from tests.factories import a_patient

from .conftest import FULL_NAME, ROLE
from .helpers import answer_screen

SAVE = Qt.Key.Key_S
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
PREGNANCY = 2  # a stop in the default screen


@pytest.fixture
def window(start_app):
    window = start_app()
    patient = window.services.patients.register(a_patient())
    window.patients.reload()
    window.select_patient(patient.id)
    return window


@pytest.fixture
def editor(qtbot, window):
    d = window.new_session()
    d.show()
    qtbot.waitExposed(d)
    d.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is d)
    yield d
    d._dirty = False
    d.reject()


def focused():
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"  # QTest would abort
    return widget


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(focused(), key, modifier)


def type_keys(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def focus_by_caption(qtbot, editor, letter: str) -> None:
    """Alt+<letter>, the caption's mnemonic, as a user jumps to a field."""
    editor.activateWindow()
    qtbot.keyClick(editor, getattr(Qt.Key, f"Key_{letter.upper()}"), ALT)


def save_draft(qtbot, editor) -> None:
    press(qtbot, SAVE, CTRL)


def stored(window):
    rows = window.services.sessions.rows_for_patient(window.panel.patient.id)
    return [window.services.sessions.get(r.id) for r in rows]


# -- dates and times ---------------------------------------------------------------------
def test_a_date_typed_over_the_selected_year_is_kept_exactly(qtbot, window, editor):
    answer_screen(qtbot, editor)
    focus_by_caption(qtbot, editor, "d")
    field = focused()
    assert isinstance(field, QLineEdit) and field is editor.session_date.line
    field.setSelection(0, 4)  # the year, as a double-click on it selects it
    type_keys(qtbot, "2025-11-30")
    assert field.text() == "2025-11-30"
    save_draft(qtbot, editor)
    assert [s.session_date for s in stored(window)] == [date(2025, 11, 30)]


def test_a_date_typed_over_the_whole_text_is_kept_exactly(qtbot, window, editor):
    answer_screen(qtbot, editor)
    focus_by_caption(qtbot, editor, "d")
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_keys(qtbot, "2025-11-30")
    press(qtbot, Qt.Key.Key_Tab)
    assert editor.session_date.text() == "2025-11-30"
    assert editor.value().session_date == date(2025, 11, 30)
    save_draft(qtbot, editor)
    assert [s.session_date for s in stored(window)] == [date(2025, 11, 30)]


def test_an_impossible_date_is_refused_by_name_and_nothing_is_saved(qtbot, window, editor):
    answer_screen(qtbot, editor)
    focus_by_caption(qtbot, editor, "d")
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_keys(qtbot, "2026-02-30")
    press(qtbot, Qt.Key.Key_Tab)
    message = editor.board.labels["session_date"]
    assert message.isVisible()
    assert message.text().startswith("Session date: 2026-02-30 is not a date on the calendar")
    save_draft(qtbot, editor)
    assert stored(window) == []
    assert focused() is editor.session_date.line  # taken back to the field
    assert editor.session_date.text() == "2026-02-30"  # what was typed stays to correct


def test_text_that_is_no_date_is_refused_with_the_format(qtbot, window, editor):
    answer_screen(qtbot, editor)
    focus_by_caption(qtbot, editor, "d")
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_keys(qtbot, "30/11/2025")
    press(qtbot, Qt.Key.Key_Tab)
    message = editor.board.labels["session_date"]
    assert message.text() == ("Session date: “30/11/2025” is not a date; type it as "
                              "YYYY-MM-DD, e.g. 2026-11-30.")
    save_draft(qtbot, editor)
    assert stored(window) == []


def test_times_and_optional_dates_are_kept_as_typed_or_refused(qtbot, window, editor):
    answer_screen(qtbot, editor)
    editor.show_step("cleansing")
    done_at = editor.step_pages["cleansing"].done_at
    done_at.recorded.setFocus()
    press(qtbot, Qt.Key.Key_Space)  # tick "Recorded"
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is done_at.edit.line
    type_keys(qtbot, "14:30")
    assert done_at.value() == time(14, 30)
    focused().setSelection(0, 2)  # the hour selected
    type_keys(qtbot, "09:05")
    assert done_at.value() == time(9, 5)
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_keys(qtbot, "25:00")
    press(qtbot, Qt.Key.Key_Tab)
    message = editor.board.labels["cleansing.done_at"]
    assert message.text() == ("Done at: “25:00” is not a time; type it as HH:MM (24-hour), "
                              "e.g. 09:45.")
    save_draft(qtbot, editor)
    assert stored(window) == []
    assert editor.current_step() == "cleansing"
    press(qtbot, Qt.Key.Key_A, CTRL)
    type_keys(qtbot, "9:05")

    editor.show_step("serum")
    expiry = editor.step_pages["serum"].expiry
    expiry.recorded.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "2027-6-30")
    press(qtbot, Qt.Key.Key_Tab)
    assert expiry.edit.text() == "2027-06-30"
    save_draft(qtbot, editor)
    saved = stored(window)
    assert len(saved) == 1
    assert saved[0].cleansing.done_at == time(9, 5)
    assert saved[0].serum.expiry == date(2027, 6, 30)


def test_the_calendar_opens_from_the_keyboard_and_its_day_is_typed_in(qtbot, editor):
    focus_by_caption(qtbot, editor, "d")
    press(qtbot, Qt.Key.Key_Down, ALT)
    calendar = editor.session_date.calendar
    assert calendar is not None and calendar.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and (
        calendar.isAncestorOf(QApplication.focusWidget())
        or QApplication.focusWidget() is calendar))
    expected = calendar.selectedDate().addDays(-1).toPython()
    press(qtbot, Qt.Key.Key_Left)
    press(qtbot, Qt.Key.Key_Return)
    assert not calendar.isVisible()
    assert editor.session_date.value() == expected


# -- the zone grid -------------------------------------------------------------------------
def _needling(qtbot, editor):
    answer_screen(qtbot, editor)
    editor.show_step("needling")
    page = editor.step_pages["needling"]
    assert page.add_zone.isEnabled()
    return page


def _add_zone_by_keyboard(qtbot, page) -> None:
    page.add_zone.setFocus()
    press(qtbot, Qt.Key.Key_Space)


def _focused_cell(grid):
    return grid._cell_of(focused())


def test_add_zone_puts_the_cursor_in_the_new_rows_depth(qtbot, editor):
    page = _needling(qtbot, editor)
    grid = page.grid
    _add_zone_by_keyboard(qtbot, page)
    assert _focused_cell(grid) == (0, 1)  # depth of the new row
    type_keys(qtbot, "0.8")
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "3")
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "8")
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "Stamping")

    _add_zone_by_keyboard(qtbot, page)  # the same keys again: the same cells, next row
    assert _focused_cell(grid) == (1, 1)
    type_keys(qtbot, "1.2")
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "4")
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "10")
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "Spiral")
    first, second = grid.value()
    assert (first.depth_mm, first.passes, first.speed, first.technique) == (
        0.8, 3, "8", "Stamping")
    assert (second.depth_mm, second.passes, second.speed, second.technique) == (
        1.2, 4, "10", "Spiral")


def test_tab_walks_the_cells_in_order_and_leaves_for_add_zone(qtbot, editor):
    page = _needling(qtbot, editor)
    grid = page.grid
    _add_zone_by_keyboard(qtbot, page)
    _add_zone_by_keyboard(qtbot, page)
    grid.edit_cell(0, "zone")
    visible = [c for c in range(grid.columnCount()) if not grid.isColumnHidden(c)]
    expected = [(r, c) for r in range(2) for c in visible]
    walked = [_focused_cell(grid)]
    for _ in expected[1:]:
        press(qtbot, Qt.Key.Key_Tab)
        walked.append(_focused_cell(grid))
    assert walked == expected
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.add_zone
    press(qtbot, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert _focused_cell(grid) == expected[-1]


def test_the_zone_stays_in_sight_when_the_grid_scrolls_sideways(qtbot, editor):
    page = _needling(qtbot, editor)
    grid = page.grid
    grid.setFixedWidth(420)  # narrow: the columns do not fit
    _add_zone_by_keyboard(qtbot, page)
    zone = grid.value()[0].zone
    for _ in range(7):  # from the depth to the note, the last column (RF hidden)
        press(qtbot, Qt.Key.Key_Tab)
    assert _focused_cell(grid) == (0, 10)
    assert grid.horizontalScrollBar().value() > 0  # scrolled sideways
    note = grid.cell(0, "note")
    assert grid.viewport().rect().intersects(note.geometry())  # the cursor is in sight
    header = grid.verticalHeader()
    assert header.isVisible() and header.width() > 0
    assert grid.verticalHeaderItem(0).text() == zone.label
    grid.cell(0, "zone").set_value(FacialZone.CHIN_JAW)
    assert grid.verticalHeaderItem(0).text() == FacialZone.CHIN_JAW.label


def test_a_space_in_a_drop_down_cell_neither_opens_it_nor_changes_it(qtbot, editor):
    page = _needling(qtbot, editor)
    grid = page.grid
    _add_zone_by_keyboard(qtbot, page)
    grid.edit_cell(0, "bleeding")
    combo = focused()
    assert isinstance(combo, QComboBox) and combo is grid.cell(0, "bleeding")
    before = grid.value()
    press(qtbot, Qt.Key.Key_Space)
    assert not combo.view().isVisible()
    assert grid.value() == before
    press(qtbot, Qt.Key.Key_Tab)  # and the next key still goes on to the next cell
    assert _focused_cell(grid) == (0, 7)


# -- the contraindication screen -----------------------------------------------------------
def test_no_arrow_key_wraps_from_no_to_yes(qtbot, editor):
    row = editor.screen_page.rows[PREGNANCY]
    assert row.question.severity is ScreenSeverity.STOP
    row.yes.setFocus(Qt.FocusReason.TabFocusReason)  # where Tab lands in an unanswered pair
    press(qtbot, Qt.Key.Key_Right)
    assert row.no.isChecked() and not row.yes.isChecked()
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Right):
        press(qtbot, key)
        assert focused() is row.no
        assert row.no.isChecked() and not row.yes.isChecked()
    assert editor.screen_page.confirm_box is None
    assert not editor.blocked_banner.isVisible()

    caution = editor.screen_page.rows[5]
    caution.no.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Down)
    assert caution.no.isChecked() and not caution.yes.isChecked()


def test_a_stop_answered_yes_is_asked_once_more_and_no_is_the_default(qtbot, editor):
    row = editor.screen_page.rows[PREGNANCY]
    row.no.setFocus(Qt.FocusReason.TabFocusReason)
    press(qtbot, Qt.Key.Key_Space)
    assert row.no.isChecked()
    press(qtbot, Qt.Key.Key_Left)  # a deliberate move to Yes
    box = editor.screen_page.confirm_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "Pregnancy or breastfeeding" in box.text()
    assert not row.yes.isChecked()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and QApplication.focusWidget().window() is box)
    press(qtbot, Qt.Key.Key_Return)  # the default keeps the answer
    qtbot.waitUntil(lambda: QApplication.focusWidget() is row.no)  # back on the row
    assert row.no.isChecked() and not row.yes.isChecked()
    assert not editor.blocked_banner.isVisible()

    press(qtbot, Qt.Key.Key_Left)
    box = editor.screen_page.confirm_box
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and QApplication.focusWidget().window() is box)
    qtbot.keyClick(focused(), Qt.Key.Key_Y, ALT)  # "Yes, it applies" (an animated click)
    qtbot.waitUntil(row.yes.isChecked)
    assert not row.no.isChecked()
    assert editor.blocked_banner.isVisible()
    assert "Pregnancy or breastfeeding" in editor.blocked_banner.text()


# -- the practitioner ----------------------------------------------------------------------
def test_the_practitioner_is_the_signed_in_account_or_another_account(qtbot, window):
    window.services.accounts.add_user("asmith", "Ann Smith", "Aesthetic nurse", "",
                                      "a long enough password")
    d = window.new_session()
    d.show()
    qtbot.waitExposed(d)
    d.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is d)
    choice = d.practitioner_name
    assert (choice.text(), d.practitioner_role.text()) == (FULL_NAME, ROLE)  # signed in
    assert not choice.isEditable() and d.practitioner_role.isReadOnly()
    assert [choice.itemText(i) for i in range(choice.count())] == [
        "Ann Smith — Aesthetic nurse", f"{FULL_NAME} — {ROLE}"]
    answer_screen(qtbot, d)
    focus_by_caption(qtbot, d, "p")
    assert focused() is choice
    type_keys(qtbot, "Mallory")  # no free text: nobody of that name to choose
    assert choice.text() in ("Ann Smith", FULL_NAME)
    press(qtbot, Qt.Key.Key_Home)
    assert d.practitioner_role.text() == "Aesthetic nurse"
    save_draft(qtbot, d)
    [saved] = stored(window)
    assert (saved.practitioner_name, saved.practitioner_role) == ("Ann Smith",
                                                                  "Aesthetic nurse")
    d._dirty = False
    d.reject()
