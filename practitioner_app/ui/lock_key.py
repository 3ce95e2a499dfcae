"""The lock shortcut (Ctrl+L) in every window of the app.

A menu action's shortcut answers only while its own window is active and not blocked: with
the session editor or any other dialog open in front of the main window, Ctrl+L did
nothing. This filter sees the key in whichever window has it and triggers the action."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication


class LockKey(QObject):
    """Triggers `action` when its shortcut is pressed in any window, if it is enabled."""

    def __init__(self, action: QAction) -> None:
        super().__init__(action)
        self._action = action
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
        # Only key presses are looked at: this runs for every event of the app.
        if event.type() != QEvent.Type.KeyPress or not self._action.isEnabled():
            return False
        if QKeySequence(event.keyCombination()) != self._action.shortcut():
            return False
        self._action.trigger()
        return True
