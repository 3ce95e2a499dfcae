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


def keep_on_screen(widget: QWidget, width: int, height: int) -> None:
    """After a window's saved place was restored: at least width x height (or the whole
    screen where it is smaller), and wholly on the screen. A place saved on a larger
    monitor, or from a window that was shrunk to nothing, would otherwise open with its
    buttons off the bottom of the screen or its panels squeezed over each other."""
    screen = widget.screen() or QApplication.primaryScreen()
    if screen is None:
        return
    room = screen.availableGeometry()
    width = min(max(widget.width(), width), room.width() - FRAME_ALLOWANCE // 2)
    height = min(max(widget.height(), height), room.height() - FRAME_ALLOWANCE)
    widget.resize(width, height)
    # The frame the window manager adds is kept on the screen too.
    x = min(widget.x(), room.left() + room.width() - width - FRAME_ALLOWANCE // 2)
    y = min(widget.y(), room.top() + room.height() - height - FRAME_ALLOWANCE)
    widget.move(max(x, room.left()), max(y, room.top()))
