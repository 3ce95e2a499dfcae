"""Windows sized to the screen they open on: a dialog asks for the size it would like
and gets at most what the screen has, less room for the title bar, so its buttons are
never off the bottom of a 1280x800 display."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget

#: Room left for the window manager's title bar and frame.
FRAME_ALLOWANCE = 48


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Resize `widget` to width x height, or less where its screen is smaller."""
    screen = widget.screen() or QApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        width = min(width, room.width() - FRAME_ALLOWANCE // 2)
        height = min(height, room.height() - FRAME_ALLOWANCE)
    widget.resize(width, height)
