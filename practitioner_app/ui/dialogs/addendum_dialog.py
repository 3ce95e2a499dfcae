"""An addendum to a signed session: a reason and the text, both required."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import Problem
from ..widgets.form import MessageBoard, text_box


class AddendumDialog(QDialog):
    """Emits `submitted(reason, text)`; whoever stores it calls `show_problems` when the
    service refuses (the dialog stays open) and closes the dialog otherwise."""

    submitted = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add an addendum")
        explain = QLabel("The signed record stays exactly as it was signed. The addendum is "
                         "added below it with your name and the time, and printed with it.")
        explain.setWordWrap(True)
        explain.setTextFormat(Qt.TextFormat.PlainText)
        self.board = MessageBoard()
        form = QFormLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. Depth misrecorded")
        self.text = text_box(6)
        self.board.add_row(form, "&Reason", self.reason, "reason")
        self.board.add_row(form, "Addendum &text", self.text, "text")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.addButton("Add &addendum",
                                                 QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(
            lambda: self.submitted.emit(self.reason.text(), self.text.toPlainText()))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(560, self.sizeHint().height())

    def show_problems(self, problems: list[Problem]) -> None:
        for unplaced in self.board.show(problems):  # e.g. "no longer signed": by the text
            self.board.labels["text"].show_messages([unplaced.message], [])
        widget = self.board.first_error_widget(problems)
        if widget is not None:
            widget.setFocus()
