"""The message under a field or form: red for an error, amber for a caution.

A module of its own because the sign-in prompt uses it: the input widgets in fields.py
(about 4 ms of imports) load behind the prompt instead of before it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


class FieldMessage(QLabel):
    """A message under a field: red for an error, amber for a caution, hidden when empty."""

    ERROR_STYLE = "color: #b00020; font-weight: 600;"
    WARNING_STYLE = "color: #8a5300; background: #fff4e0; padding: 2px 4px;"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._plain = False
        self.hide()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        """User text is never markup. Plain text is set with the first text, not when
        made: the sign-in prompt has one of these, and the first use of a Qt enumeration
        loads all of Qt's (~30 ms before the window could show)."""
        if not self._plain:
            from PySide6.QtCore import Qt

            self.setTextFormat(Qt.TextFormat.PlainText)
            self._plain = True
        super().setText(text)

    def show_messages(self, errors: list[str], warnings: list[str]) -> None:
        if errors:
            self.setStyleSheet(self.ERROR_STYLE)
            self.setText("\n".join(errors + warnings))
        elif warnings:
            self.setStyleSheet(self.WARNING_STYLE)
            self.setText("\n".join(warnings))
        self.setVisible(bool(errors or warnings))
        if not (errors or warnings):
            self.clear()
