"""Driving real widgets the way a user does."""

from __future__ import annotations

import threading

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QRadioButton, QWidget


def type_text(qtbot, widget: QWidget, text: str) -> None:
    """Type `text` into `widget` key by key. Non-ASCII characters go one key event at a time,
    because QTest.keyClicks aborts the process on them (PITFALLS 4)."""
    widget.setFocus()
    for ch in text:
        if ch.isascii() and ch != "\n":
            qtbot.keyClicks(widget, ch)
        elif ch == "\n":
            QTest.keyClick(widget, Qt.Key.Key_Return)
        else:
            QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch,
                               Qt.KeyboardModifier.NoModifier)


def click(qtbot, widget: QWidget) -> None:
    """Click `widget` where a user would: a check box or radio button on its indicator
    (a stretched one ignores clicks beyond its text), anything else in its centre."""
    if isinstance(widget, QCheckBox | QRadioButton):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def answer_screen(qtbot, editor, yes: dict[int, str] | None = None) -> None:
    """Answer the session editor's contraindication screen by clicking: No throughout,
    except the questions in `yes` (index → reason for going ahead, typed if not empty)."""
    yes = yes or {}
    editor.show_step("screen")
    for i, row in enumerate(editor.screen_page.rows):
        click(qtbot, row.yes if i in yes else row.no)
        if yes.get(i):
            type_text(qtbot, row.override_reason, yes[i])


def hold_closing_backup(window, timeout_s: float = 60) -> tuple[threading.Event, threading.Event]:
    """Make the window's closing backup wait until the test sets `release` (as a large
    clinic's takes its time); `started` is set once it has begun."""
    backup = window.services.backup
    release, started = threading.Event(), threading.Event()
    slow = backup.backup_if_changed

    def held_backup():
        started.set()
        assert release.wait(timeout_s)
        return slow()

    backup.backup_if_changed = held_backup
    return release, started
