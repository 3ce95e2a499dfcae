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

    `show_lock` is called with a callback to run once the user has unlocked; the app
    passes a function that opens the sign-in dialog in unlock mode.
    """

    locked = Signal()
    unlocked = Signal()

    def __init__(self, minutes: int, show_lock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show_lock = show_lock
        self._hidden: list[QWidget] = []
        self.is_locked = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock_now)
        self.set_minutes(minutes)
        QApplication.instance().installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self.timer.setInterval(max(1, minutes) * 60_000)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
        if event.type() in _ACTIVITY and not self.is_locked:
            self.timer.start()  # any input restarts the countdown
        return False

    def lock_now(self) -> None:
        if self.is_locked:
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
