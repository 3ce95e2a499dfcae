"""The contraindication screen, the first step of every session: one row per question,
answered Yes or No, with the date of the last occurrence, a note, and for a caution
answered Yes the reason for going ahead.

Message labels are registered under the validation paths of domain/screening.py:
`screen[i].present`, `screen[i].override_reason`, `screen[i].note`, and `screen` itself.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.screening import ScreenAnswer, ScreenSeverity
from .field_message import FieldMessage
from .fields import OptionalDateEdit
from .form import MessageBoard

SEVERITY_STYLE = {
    ScreenSeverity.STOP: "color: white; background: #b00020; padding: 2px 6px; "
                         "font-weight: 600; border-radius: 3px;",
    ScreenSeverity.CAUTION: "color: #6b4100; background: #ffe2b0; padding: 2px 6px; "
                            "font-weight: 600; border-radius: 3px;",
}
HEADINGS = ("Question", "Severity", "Present?", "Last occurrence", "Note")
#: Yes on a row tints it, so a long screen shows at a glance what was answered Yes.
ROW_STYLE = {
    ScreenSeverity.STOP: "#screenRow { background: #fdecea; }",
    ScreenSeverity.CAUTION: "#screenRow { background: #fff6e5; }",
}


class AnswerButton(QRadioButton):
    """Yes or No of one question. Arrow keys move between the pair as usual (ticking the
    button moved to) but never wrap round: from No no key leads to Yes except Left or
    Up, and from Yes none leads back past it. A button with `confirm` set is not ticked
    by the user directly: `confirm_requested` is emitted instead, and whoever asks
    ticks it (`setChecked`) once the answer is confirmed."""

    confirm_requested = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.before: AnswerButton | None = None
        self.after: AnswerButton | None = None
        self.confirm = False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Right, Qt.Key.Key_Down):
            target = (self.before if key in (Qt.Key.Key_Left, Qt.Key.Key_Up)
                      else self.after)
            if target is not None and target.isEnabled():
                target.setFocus(Qt.FocusReason.TabFocusReason)
                target.click()
            return  # at either end: nothing, rather than Qt's wrap round the pair
        super().keyPressEvent(event)

    def nextCheckState(self) -> None:  # noqa: N802 - Qt's name
        if self.confirm and not self.isChecked():
            self.confirm_requested.emit()
            return
        super().nextCheckState()


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # the clinic's wording, never markup
    label.setWordWrap(True)
    return label


class ScreenRow:
    """The widgets of one question. `value()` returns the question as it was asked (its
    wording, severity and window copied), with the answer as entered."""

    def __init__(self, answer: ScreenAnswer) -> None:
        self.question = answer
        #: Every widget the row puts in the page's grid (set when it is laid out).
        self.cells: list[QWidget] = []
        caution = answer.severity is ScreenSeverity.CAUTION
        self.item = _plain(answer.item)
        self.item.setStyleSheet("font-weight: 600;")
        self.window = _plain(f"Window: {answer.window}")
        self.window.setStyleSheet("color: #555;")
        self.severity = _plain(answer.severity.label)
        self.severity.setStyleSheet(SEVERITY_STYLE[answer.severity])
        self.severity.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.severity.setToolTip(
            "Answered Yes, this blocks the needling step today." if not caution else
            "Answered Yes, going ahead needs a written reason, kept with the session.")
        self.yes = AnswerButton("Yes")
        self.no = AnswerButton("No")
        self.yes.after, self.no.before = self.no, self.yes
        # A stop answered Yes blocks the session: asked once more, so a slip cannot.
        self.yes.confirm = answer.severity is ScreenSeverity.STOP
        # Exclusive, and both unticked until the question is answered: "not asked yet"
        # must never look like "No".
        self.answer_group = QButtonGroup()
        self.answer_group.addButton(self.yes)
        self.answer_group.addButton(self.no)
        self.last_occurrence = OptionalDateEdit("Known")
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note (optional)")
        self.note.setMinimumWidth(140)
        self.override_reason = QLineEdit()
        self.override_reason.setPlaceholderText(
            f"Reason for going ahead despite “{answer.item}” (required)")
        self.messages = {name: FieldMessage() for name in ("present", "override_reason",
                                                           "last_occurrence", "note")}
        if answer.present is not None:
            (self.yes if answer.present else self.no).setChecked(True)
        self.last_occurrence.set_value(answer.last_occurrence)
        self.note.setText(answer.note)
        self.override_reason.setText(answer.override_reason)
        # sync() runs once the row is laid out: showing a widget with no parent yet
        # would open it as a window of its own.

    @property
    def needs_reason(self) -> bool:
        return self.question.severity is ScreenSeverity.CAUTION and self.yes.isChecked()

    def sync(self) -> None:
        # Only a caution answered Yes takes a reason: the field appears (and is enabled)
        # exactly then, instead of a column of empty disabled fields.
        self.override_reason.setEnabled(self.needs_reason)
        self.override_reason.setVisible(self.needs_reason)

    def value(self) -> ScreenAnswer:
        present = self.yes.isChecked() if self.answer_group.checkedButton() else None
        return dataclasses.replace(
            self.question, present=present, last_occurrence=self.last_occurrence.value(),
            note=self.note.text(),
            # A reason typed before the answer changed to No is not part of the record.
            override_reason=self.override_reason.text() if self.needs_reason else "")


class ScreenPage(QWidget):
    """The screen step. Emits `changed` on any edit."""

    changed = Signal()
    step = "screen"
    title = "Contraindication screen"
    hint = ("Ask each question for the window shown, before cleansing. A Stop answered "
            "Yes means no needling today; a Caution answered Yes needs the reason for "
            "going ahead, which is kept with the session and printed on its report.")

    def __init__(self, board: MessageBoard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.rows: list[ScreenRow] = []
        #: The open "answer Yes to a stop?" question, if any.
        self.confirm_box: QMessageBox | None = None
        outer = QVBoxLayout(self)
        heading = QLabel(self.title)
        heading.setStyleSheet("font-size: 16pt; font-weight: 600;")
        hint = QLabel(self.hint)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.progress = QLabel()
        self.progress.setStyleSheet("font-weight: 600;")
        self.screen_message = FieldMessage()
        board.add_label("screen", self.screen_message)
        self.body = QWidget()
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(4, 2)
        for column, text in enumerate(HEADINGS):
            label = QLabel(text)
            label.setStyleSheet("font-weight: 600; color: #333;")
            self.grid.addWidget(label, 0, column)
        for w in (heading, hint, self.progress, self.screen_message, self.body):
            outer.addWidget(w)
        outer.addStretch(1)

    # -- values ---------------------------------------------------------------------------
    def load(self, answers: tuple[ScreenAnswer, ...]) -> None:
        """Show `answers` (the questions with any answers given), replacing the rows."""
        for row in self.rows:
            for cell in row.cells:
                self.grid.removeWidget(cell)
                cell.deleteLater()
        self.board.forget("screen[")
        self.rows = []
        for i, answer in enumerate(answers):
            self._add_row(i, answer)
        self._sync()

    def _add_row(self, i: int, answer: ScreenAnswer) -> None:
        row = ScreenRow(answer)
        # The frame sits behind the row's cells (added first, so drawn below them) and
        # only tints it; a frame holding the cells would lose the columns' alignment.
        row.frame = QWidget()
        row.frame.setObjectName("screenRow")
        row.frame.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        top = 1 + 3 * i
        span = len(HEADINGS)
        self.grid.addWidget(row.frame, top, 0, 3, span)
        question = QWidget()
        column = QVBoxLayout(question)
        column.setContentsMargins(4, 4, 0, 4)
        column.setSpacing(0)
        column.addWidget(row.item)
        column.addWidget(row.window)
        self.grid.addWidget(question, top, 0)
        self.grid.addWidget(row.severity, top, 1, Qt.AlignmentFlag.AlignVCenter)
        choice = QWidget()
        line = QHBoxLayout(choice)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(row.yes)
        line.addWidget(row.no)
        self.grid.addWidget(choice, top, 2)
        self.grid.addWidget(row.last_occurrence, top, 3)
        self.grid.addWidget(row.note, top, 4)
        self.grid.addWidget(row.override_reason, top + 1, 0, 1, span)
        messages = QWidget()
        column = QVBoxLayout(messages)
        column.setContentsMargins(4, 0, 0, 2)
        column.setSpacing(0)
        for name, message in row.messages.items():
            column.addWidget(message)
            widget = {"present": row.yes, "override_reason": row.override_reason,
                      "last_occurrence": row.last_occurrence, "note": row.note}[name]
            caption = {"last_occurrence": f"Last occurrence of “{answer.item}”"}.get(name, "")
            self.board.add_label(f"screen[{i}].{name}", message, widget, caption)
        self.grid.addWidget(messages, top + 2, 0, 1, span)
        row.cells = [row.frame, question, row.severity, choice, row.last_occurrence,
                     row.note, row.override_reason, messages]
        row.yes.confirm_requested.connect(lambda: self.confirm_stop(row))
        for signal in (row.yes.toggled, row.no.toggled, row.note.textChanged,
                       row.override_reason.textChanged, row.last_occurrence.changed):
            signal.connect(lambda *_: self._edited())
        self.rows.append(row)

    def value(self) -> tuple[ScreenAnswer, ...]:
        return tuple(row.value() for row in self.rows)

    def confirm_stop(self, row: ScreenRow) -> QMessageBox:
        """Ask once more before a stop is answered Yes; No (the default, also Esc) keeps
        the answer as it was."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Answer Yes to a stop question?",
            f"“{row.question.item}”: answer Yes?\n\nA stop answered Yes means no "
            "needling today: the needling step is locked for this session.",
            QMessageBox.StandardButton.NoButton, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the clinic's wording
        yes = box.addButton("&Yes, it applies", QMessageBox.ButtonRole.YesRole)
        keep = box.addButton("&No, keep the answer", QMessageBox.ButtonRole.NoRole)
        box.yes_button, box.keep_button = yes, keep
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            self.confirm_box = None
            if box.clickedButton() is yes:
                row.yes.setChecked(True)
            self.window().activateWindow()  # back to the row the question was about
            (row.yes if row.yes.isChecked() else row.no).setFocus()

        box.finished.connect(answered)
        self.confirm_box = box
        box.open()
        return box

    def _edited(self) -> None:
        self._sync()
        self.changed.emit()

    def _sync(self) -> None:
        for row in self.rows:
            row.sync()
            answer = row.yes.isChecked()
            row.frame.setStyleSheet(ROW_STYLE[row.question.severity] if answer else "")
        left = self.unanswered()
        total = len(self.rows)
        self.progress.setText(
            "The clinic's screen has no questions; an administrator sets them in "
            "Clinic ▸ Contraindication screen." if not total else
            f"{total - left} of {total} answered" + (f" — {left} still to ask" if left
                                                     else " — complete"))

    # -- state ----------------------------------------------------------------------------
    def unanswered(self) -> int:
        return sum(1 for a in self.value() if a.present is None)

    def blocking_item(self) -> str | None:
        """The first "stop" question answered Yes, if any."""
        for a in self.value():
            if a.present and a.severity is ScreenSeverity.STOP:
                return a.item
        return None

    def set_read_only(self, read_only: bool) -> None:
        self.body.setEnabled(not read_only)
        if read_only and not self.rows:  # e.g. a record kept from before the screen
            self.progress.setText("No contraindication screen is recorded with this session.")
