"""Locking the app after a clinic-set number of idle minutes.

Locking hides every open window (the data on screen is health data) and asks for the
signed-in practitioner's password; unlocking shows the same windows again, with
whatever was typed into them untouched.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
             QEvent.Type.MouseMove, QEvent.Type.TouchBegin}


class IdleLock(QObject):
    """Watches the application's input. Emits `locked` and `unlocked` (no payload).

    Made disarmed, when the window is (before anyone signs in): watching every event
    from then on makes PySide load the Python side of all of Qt's widget classes (~25
    ms) while the clinician types, rather than after Enter. `set_minutes` arms it at
    each sign-in; `disarm` when the app asks who is there again.

    `show_lock` is called with a callback to run once the user has unlocked; the app
    passes a function that opens the sign-in dialog in unlock mode.
    """

    locked = Signal()
    unlocked = Signal()

    def __init__(self, show_lock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show_lock = show_lock
        self._hidden: list[QWidget] = []
        self.is_locked = False
        self.is_armed = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock_now)
        QApplication.instance().installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        """Lock after `minutes` (at least 1) without input, counted from now."""
        self.is_armed = True
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.start()

    def disarm(self) -> None:
        """Nobody is signed in: nothing to lock."""
        self.is_armed = False
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
        if self.is_armed and not self.is_locked and event.type() in _ACTIVITY:
            self.timer.start()  # any input restarts the countdown
        return False

    def lock_now(self) -> None:
        if self.is_locked or not self.is_armed:
            return
        self.is_locked = True
        self._hidden = [w for w in QApplication.topLevelWidgets()
                        if w.isVisible() and not w.isHidden()]
        for window in self._hidden:
            window.hide()
        self.locked.emit()
        self._show_lock(self._unlock)

    def _unlock(self) -> None:
        self.is_locked = False
        for window in self._hidden:
            window.show()
        self._hidden = []
        self.timer.start()
        self.unlocked.emit()

    def stop(self) -> None:
        QApplication.instance().removeEventFilter(self)
        self.timer.stop()
