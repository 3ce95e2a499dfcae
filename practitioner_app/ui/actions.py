"""The one way the windows make menu and toolbar actions."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


def action(parent: QObject, text: str, slot: Callable[[], object],
           shortcut: str | QKeySequence.StandardKey | None = None) -> QAction:
    """An action on `parent` that calls `slot()` when triggered (without Qt's `checked`
    argument, so any method taking no arguments serves), with an optional shortcut."""
    made = QAction(text, parent)
    if shortcut is not None:
        made.setShortcut(QKeySequence(shortcut))
    made.triggered.connect(lambda _checked=False: slot())
    return made
