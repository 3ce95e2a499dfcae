"""Asking before something that cannot simply be taken back: the safe answer is the
default (Enter or Escape keep things as they are) and the other one names the act."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget, title: str, text: str, act: str, then: Callable[[], object],
            *, keep: str = "Cancel") -> QMessageBox:
    """Open (without blocking) a question whose buttons are `act` and `keep`; `then()` runs
    only if `act` is chosen. Returns the box (tests press its buttons)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # names may hold < or &
    act_button = box.addButton(act, QMessageBox.ButtonRole.AcceptRole)
    keep_button = box.addButton(keep, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep_button)
    box.setEscapeButton(keep_button)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: then() if button is act_button else None)
    box.act_button, box.keep_button = act_button, keep_button
    box.open()
    return box
