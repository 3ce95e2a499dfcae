"""Alt+letter: no two things a clinician can reach in one window answer the same letter
(buttons, labelled fields, tabs, the menu bar), no two items of one menu share one, and the
lock shortcut works whatever dialog is open."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QMenu,
    QStackedWidget,
    QTabBar,
    QWidget,
)

from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.signing import Consent
from tests.factories import a_full_session, a_patient

from .conftest import PASSWORD


def _letter(text: str) -> str:
    """The Alt letter `text` gives (Qt's own reading of '&'), or ''."""
    return QKeySequence.mnemonic(text).toString().removeprefix("Alt+").lower()


def _reachable(widget: QWidget, top: QWidget) -> bool:
    return widget.isVisibleTo(top) and widget.window() is top


def window_letters(top: QWidget) -> dict[str, list[str]]:
    """Alt letter -> what answers it among the visible buttons, labels with a buddy, group
    boxes and tabs of `top`, and its menu bar's menus."""
    found: dict[str, list[str]] = defaultdict(list)
    for w in top.findChildren(QAbstractButton):
        if _reachable(w, top) and _letter(w.text()):
            found[_letter(w.text())].append(f"button {w.text()!r}")
    for w in top.findChildren(QLabel):
        if _reachable(w, top) and w.buddy() is not None and _letter(w.text()):
            found[_letter(w.text())].append(f"label {w.text()!r}")
    for w in top.findChildren(QGroupBox):
        if _reachable(w, top) and _letter(w.title()):
            found[_letter(w.title())].append(f"group {w.title()!r}")
    for w in top.findChildren(QTabBar):
        if _reachable(w, top):
            for i in range(w.count()):
                if _letter(w.tabText(i)):
                    found[_letter(w.tabText(i))].append(f"tab {w.tabText(i)!r}")
    menu_bar = getattr(top, "menuBar", None)
    if menu_bar is not None:
        for a in menu_bar().actions():
            if a.isVisible() and _letter(a.text()):
                found[_letter(a.text())].append(f"menu {a.text()!r}")
    return found


def menu_letters(menu: QMenu) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for a in menu.actions():
        if a.isVisible() and not a.isSeparator() and _letter(a.text()):
            found[_letter(a.text())].append(a.text())
    return found


def clashes(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: v for k, v in found.items() if len(v) > 1}


def every_page(top: QWidget):
    """Each state of `top` worth checking: as shown, then with each page of each stacked
    widget (the session editor's steps) in front."""
    yield "as opened"
    for stack in top.findChildren(QStackedWidget):
        if not _reachable(stack, top) or isinstance(stack.parent(), QTabBar):
            continue
        for i in range(stack.count()):
            stack.setCurrentIndex(i)
            yield f"page {i}"


def assert_no_clash(top: QWidget, name: str) -> None:
    problems = {}
    for state in every_page(top):
        found = clashes(window_letters(top))
        if found:
            problems[f"{name} ({state})"] = found
    assert not problems, problems


@pytest.fixture
def window(start_app):
    window = start_app()
    s = window.services
    patient = s.patients.register(a_patient())  # no consent yet: Record consent shows
    window.patients.reload()
    window.select_patient(patient.id)
    return window


def _consent(window) -> None:
    s = window.services
    s.consents.record(window.panel.patient.id, Consent(
        "treatment", s.consents.current_version(), date(2026, 11, 1), "Sam Witness"))


def _signed_session(window):
    s = window.services
    _consent(window)
    session = s.sessions.save(window.panel.patient.id,
                              a_full_session(status=SessionStatus.COMPLETED))
    s.sessions.sign(session.id, PASSWORD)
    window.show_patient(window.panel.patient.id)
    return session


def test_the_main_window_and_its_menus_have_one_thing_per_letter(window):
    window.show()
    assert_no_clash(window, "main window")
    for menu in window.menuBar().findChildren(QMenu):
        menu.aboutToShow.emit()  # each menu settles what it offers as it opens
        assert not clashes(menu_letters(menu)), (menu.title(), menu_letters(menu))


def _dialogs(window):
    """Every dialog a clinician or administrator opens, opened as they open it."""
    yield "patient editor", window.new_patient
    yield "patient editor (edit)", window.edit_patient
    yield "session editor", window.new_session
    yield "clinic details", window.edit_clinic
    yield "practitioners", window.access.open_practitioners
    yield "audit trail", window.access.open_audit
    yield "consent", lambda: window.records.record_consent()
    yield "archive", window.records.archive_patient
    yield "contraindication screen", window.records.edit_screen_rules
    yield "courses", window.course_actions.open_courses
    yield "lot recall", window.course_actions.open_recall


def test_every_dialog_has_one_thing_per_letter(qtbot, window):
    problems = {}
    for name, open_dialog in _dialogs(window):
        dialog = open_dialog() or window.active_dialog
        for state in every_page(dialog):
            found = clashes(window_letters(dialog))
            if found:
                problems[f"{name} ({state})"] = found
        dialog.close()
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_signed_session_and_its_addendum_dialog_have_one_thing_per_letter(qtbot, window):
    session = _signed_session(window)
    editor = window.open_session(session.id)
    qtbot.addWidget(editor)
    assert_no_clash(editor, "signed session")
    editor.addendum_button.click()
    assert_no_clash(editor.addendum_dialog, "addendum")


def test_the_sign_dialog_and_the_document_preview_have_one_thing_per_letter(qtbot, window):
    s = window.services
    _consent(window)
    session = s.sessions.save(window.panel.patient.id, a_full_session(
        status=SessionStatus.COMPLETED))
    window.show_patient(window.panel.patient.id)
    editor = window.open_session(session.id)
    qtbot.addWidget(editor)
    editor.sign_button.click()
    assert_no_clash(editor.sign_dialog, "sign")
    editor.sign_dialog.close()
    editor.close()
    task = window.show_report("summary")
    with qtbot.waitSignal(task.finished, timeout=20_000):
        pass
    assert_no_clash(window.active_dialog, "document preview")


def test_ctrl_l_locks_while_the_session_editor_is_open(qtbot, window):
    editor = window.new_session()
    qtbot.addWidget(editor)
    editor.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    QTest.keyClick(editor.practitioner_name, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.access.lock_dialog is not None and window.access.lock_dialog.isVisible()
    assert_no_clash(window.access.lock_dialog, "unlock")


def test_alt_a_adds_the_addendum(qtbot, window):
    """Alt+A in the addendum dialog presses Add addendum (the text's label took it)."""
    session = _signed_session(window)
    editor = window.open_session(session.id)
    qtbot.addWidget(editor)
    editor.addendum_button.click()
    dialog = editor.addendum_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.reason.setText("Depth misrecorded")
    dialog.text.setPlainText("Cheeks were 1.25 mm.")
    dialog.text.setFocus()
    with qtbot.waitSignal(dialog.submitted):
        QTest.keyClick(dialog.text, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    [addendum] = window.services.sessions.get(session.id).addenda
    assert addendum.reason == "Depth misrecorded"
