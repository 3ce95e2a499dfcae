"""The notice an editor shows when its save was refused because the record changed at
another workstation since the editor opened it: who and when, that what was typed is
still there, and the two ways on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

NOTICE_STYLE = ("QFrame#staleNotice { background: #fdecea; border: 1px solid #b00020; }"
                "QLabel { color: #8c1d18; font-weight: 600; }")


class StaleNotice(QFrame):
    """Hidden until `show_refusal`. Signals (no payload): `reload_requested` the user
    pressed "Reload their version" (the editor confirms before discarding anything);
    `kept` the user chose to keep editing (the notice hides; the next save is refused
    again until the other version is reloaded)."""

    reload_requested = Signal()
    kept = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("staleNotice")
        self.setStyleSheet(NOTICE_STYLE)
        self.message = QLabel()
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # names may hold < or &
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reload_button = QPushButton("&Reload their version…")
        self.reload_button.setToolTip("Show the version saved at the other workstation; "
                                      "what was typed here is discarded (you are asked "
                                      "first).")
        self.keep_button = QPushButton("&Keep editing")
        self.reload_button.clicked.connect(self.reload_requested.emit)
        self.keep_button.clicked.connect(self._keep)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reload_button)
        buttons.addWidget(self.keep_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.hide()

    def show_refusal(self, text: str) -> None:
        """Show `text` (the service's refusal, naming who and when) and say that what was
        typed is kept."""
        self.message.setText(f"{text}\nWhat you typed is still in this window.")
        self.show()
        self.reload_button.setFocus()

    def _keep(self) -> None:
        self.hide()
        self.kept.emit()
