"""Form rows that keep a message label under each field, addressed by the record path
that validation uses (e.g. `sunscreen.spf`), so every problem lands next to its field."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QFormLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ...domain.errors import Problem
from .field_message import FieldMessage


class MessageBoard:
    """Path → message label. `show(problems)` fills the labels and clears the rest; a
    problem whose path has no label of its own goes to the nearest parent path's label."""

    def __init__(self) -> None:
        self.labels: dict[str, FieldMessage] = {}
        self.widgets: dict[str, QWidget] = {}
        #: Path → the field's name as its caption shows it (for messages about typing).
        self.captions: dict[str, str] = {}

    def add_row(self, form: QFormLayout, label: str, widget: QWidget, path: str) -> FieldMessage:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        message = FieldMessage()
        column.addWidget(message)
        caption = QLabel(label)
        caption.setBuddy(widget)
        form.addRow(caption, box)
        self.labels[path] = message
        self.widgets[path] = widget
        self.captions[path] = label.replace("&", "")
        return message

    def add_label(self, path: str, message: FieldMessage, widget: QWidget | None = None,
                  caption: str = "") -> None:
        self.labels[path] = message
        if widget is not None:
            self.widgets[path] = widget
        if caption:
            self.captions[path] = caption

    def typing_problems(self) -> list[Problem]:
        """A problem for each field whose typed text is not taken (a date or time that is
        not one), named by its caption: nothing may be saved with it."""
        problems = []
        for path, widget in self.widgets.items():
            check = getattr(widget, "typing_problem", None)
            message = check(self.captions.get(path) or path) if check else None
            if message:
                problems.append(Problem(path, message))
        return problems

    def forget(self, prefix: str) -> None:
        """Drop the labels of rows that are rebuilt (e.g. `screen[` when the questions
        are loaded again), so no message goes to a deleted label."""
        for path in [p for p in self.labels if p.startswith(prefix)]:
            self.labels.pop(path)
            self.widgets.pop(path, None)
            self.captions.pop(path, None)

    def label_for(self, path: str) -> str | None:
        while path:
            if path in self.labels:
                return path
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None

    def show(self, problems: Iterable[Problem]) -> list[Problem]:
        """Show `problems` by their fields; return those with no field to show them by."""
        errors: dict[str, list[str]] = {}
        warnings: dict[str, list[str]] = {}
        unplaced = []
        for p in problems:
            key = self.label_for(p.path)
            if key is None:
                unplaced.append(p)
                continue
            (errors if p.is_error else warnings).setdefault(key, []).append(p.message)
        for key, label in self.labels.items():
            label.show_messages(errors.get(key, []), warnings.get(key, []))
        return unplaced

    def first_error_widget(self, problems: Iterable[Problem]) -> QWidget | None:
        for p in problems:
            if p.is_error:
                key = self.label_for(p.path)
                if key is not None:
                    return self.widgets.get(key) or self.labels[key]
        return None


def text_box(height_lines: int = 3) -> QPlainTextEdit:
    """A multi-line plain-text field (never rich text: what is typed is what is stored)."""
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * height_lines + 14)
    return box
