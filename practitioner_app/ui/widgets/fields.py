"""Input widgets for values that may be "not recorded".

A clinical record distinguishes "not recorded" from zero or midnight, so optional times,
dates and numbers carry an explicit empty state instead of a magic default.

Dates and times are typed as text and taken exactly as typed, or refused with a message
naming the field: Qt's QDateEdit and QTimeEdit edit one section at a time and, typed over,
silently turned 2026-11-30 into 2026-12-11 (or kept the old value).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import Enum

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

NOT_RECORDED = "—"
DATE_FORMAT_HINT = "YYYY-MM-DD, e.g. 2026-11-30"
TIME_FORMAT_HINT = "HH:MM (24-hour), e.g. 09:45"
INVALID_STYLE = "QLineEdit { background: #ffe3e6; border: 1px solid #b00020; }"
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


class TypedLine(QLineEdit):
    """A line edit where typing over a selection replaces the whole text: a date or time
    is typed whole, so typing over a selected year (or hour) cannot leave the rest of the
    old value behind."""

    popup_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if (event.key() == Qt.Key.Key_F4 or (
                event.key() == Qt.Key.Key_Down
                and event.modifiers() & Qt.KeyboardModifier.AltModifier)):
            self.popup_requested.emit()
            return
        typed = event.text()
        plain = not event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                         | Qt.KeyboardModifier.AltModifier)
        if plain and typed and typed.isprintable() and self.hasSelectedText():
            self.clear()
        super().keyPressEvent(event)


class _TypedField(QWidget):
    """A value typed as text. `value()` is the value the text stands for, None while it
    is empty or not one; `problem(name)` says why the text is not taken. `changed` is
    emitted when the text becomes a new value, and when editing ends on a text that is
    not one (so the form can show why)."""

    changed = Signal()
    kind = ""
    hint = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = TypedLine()
        self.line.setPlaceholderText(self.hint.split(" ")[0].rstrip(","))  # the form only
        self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("0000-00-00")
                                  + 24)
        self.setFocusProxy(self.line)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a caption's Alt+letter reaches it
        self._value = None
        self.line.textEdited.connect(self._edited)
        self.line.editingFinished.connect(self._finished)

    # -- parsing (per kind) ---------------------------------------------------------------
    def parse(self, text: str):  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def format(self, value) -> str:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    # -- text and value -------------------------------------------------------------------
    def text(self) -> str:
        return self.line.text()

    def value(self):
        return self.parse(self.line.text())

    def set_value(self, value) -> None:
        self.line.setText("" if value is None else self.format(value))
        self._show_state(final=True)
        if value is None:
            self._value = None
        self._emit_if_new()

    def last_value(self):
        """The last value the text stood for (what the field held before a bad text)."""
        return self._value

    def problem(self, name: str, required: bool = True) -> str | None:
        """Why the text is not taken (None when it is), worded with the field's `name`."""
        text = self.line.text().strip()
        if not text:
            return f"{name} is required: type it as {self.hint}." if required else None
        if self.parse(text) is not None:
            return None
        return self.refusal(name, text)

    def typing_problem(self, name: str) -> str | None:
        return self.problem(name)

    def refusal(self, name: str, text: str) -> str:
        return f"{name}: “{text}” is not a {self.kind}; type it as {self.hint}."

    def _edited(self, _text: str) -> None:
        self._show_state(final=False)
        self._emit_if_new()

    def _finished(self) -> None:
        value = self.value()
        if value is not None:
            self.line.setText(self.format(value))  # 2026-1-5 reads 2026-01-05
        self._show_state(final=True)
        if not self._emit_if_new() and value is None:
            self.changed.emit()  # the form shows why the text is not taken

    def _emit_if_new(self) -> bool:
        value = self.value()
        if value is None or value == self._value:
            return False
        self._value = value
        self.value_changed(value)
        self.changed.emit()
        return True

    def value_changed(self, value) -> None:
        """Qt's own signal of the kind (dateChanged, timeChanged)."""

    def _show_state(self, final: bool) -> None:
        text = self.line.text().strip()
        bad = bool(text) and self.parse(text) is None
        if bad and final:
            self.line.setStyleSheet(INVALID_STYLE)
            self.line.setToolTip(self.refusal("This field", text))
        elif not bad:
            self.line.setStyleSheet("")
            self.line.setToolTip("")


class DateField(_TypedField):
    """A date typed as YYYY-MM-DD (a day or month may be one digit), with a calendar on
    the ▾ button, Alt+Down or F4. `date()`/`setDate()`/`dateChanged` as on QDateEdit;
    `date()` is an invalid QDate while the text is not a date."""

    dateChanged = Signal(QDate)  # noqa: N815 - Qt's name
    kind = "date"
    hint = DATE_FORMAT_HINT

    def __init__(self, value: date | QDate | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.calendar_button = QToolButton()
        self.calendar_button.setText("▾")
        self.calendar_button.setToolTip("Choose from a calendar (Alt+Down)")
        # Not a Tab stop of its own: every date would take two; Alt+Down opens it.
        self.calendar_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.calendar_button.clicked.connect(self.show_calendar)
        self.line.popup_requested.connect(self.show_calendar)
        self.calendar: QCalendarWidget | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.line)
        layout.addWidget(self.calendar_button)
        layout.addStretch(1)  # the button stays beside the date in a wide form row
        if value is not None:
            self.setDate(value)

    def parse(self, text: str) -> date | None:
        found = _DATE.fullmatch(text.strip())
        if found is None:
            return None
        try:
            return date(*(int(part) for part in found.groups()))
        except ValueError:
            return None

    def format(self, value: date) -> str:
        return value.isoformat()

    def refusal(self, name: str, text: str) -> str:
        if _DATE.fullmatch(text):
            return (f"{name}: {text} is not a date on the calendar (that month has no such "
                    "day); check the day and the month.")
        return super().refusal(name, text)

    def date(self) -> QDate:
        value = self.value()
        return QDate() if value is None else QDate(value.year, value.month, value.day)

    def setDate(self, value: date | QDate) -> None:  # noqa: N802 - Qt's name
        self.set_value(value.toPython() if isinstance(value, QDate) else value)

    def value_changed(self, value: date) -> None:
        self.dateChanged.emit(QDate(value.year, value.month, value.day))

    def show_calendar(self) -> QCalendarWidget:
        """The calendar as a pop-up under the field; picking a day (Enter or a click)
        types it in."""
        if self.calendar is None:
            self.calendar = QCalendarWidget(self)
            self.calendar.setWindowFlags(Qt.WindowType.Popup)
            self.calendar.setGridVisible(True)
            self.calendar.activated.connect(self._picked)
            self.calendar.clicked.connect(self._picked)
        current = self.value() or date.today()
        self.calendar.setSelectedDate(QDate(current.year, current.month, current.day))
        self.calendar.move(self.mapToGlobal(self.rect().bottomLeft()))
        self.calendar.show()
        self.calendar.setFocus()
        return self.calendar

    def _picked(self, day: QDate) -> None:
        self.calendar.hide()
        self.setDate(day)
        self.line.setFocus()


class TimeField(_TypedField):
    """A 24-hour time typed as HH:MM (the hour may be one digit). `time()`/`setTime()`/
    `timeChanged` as on QTimeEdit; `time()` is an invalid QTime while the text is not a
    time."""

    timeChanged = Signal(QTime)  # noqa: N815 - Qt's name
    kind = "time"
    hint = TIME_FORMAT_HINT

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)

    def parse(self, text: str) -> time | None:
        found = _TIME.fullmatch(text.strip())
        if found is None:
            return None
        hour, minute = (int(part) for part in found.groups())
        return time(hour, minute) if hour < 24 and minute < 60 else None

    def format(self, value: time) -> str:
        return f"{value.hour:02d}:{value.minute:02d}"

    def time(self) -> QTime:
        value = self.value()
        return QTime() if value is None else QTime(value.hour, value.minute)

    def setTime(self, value: time | QTime) -> None:  # noqa: N802 - Qt's name
        self.set_value(time(value.hour(), value.minute()) if isinstance(value, QTime)
                       else value)

    def value_changed(self, value: time) -> None:
        self.timeChanged.emit(QTime(value.hour, value.minute))


class OptionalTimeEdit(QWidget):
    """A 24-hour time with a "recorded" tick box and a Now button. `value()` is None
    while unticked (or while the typed text is not a time: `typing_problem` says so).
    Emits `changed` on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recorded = QCheckBox("Recorded")
        self.edit = TimeField()
        self.now_button = QPushButton("Now")
        self.now_button.setToolTip("Set to the current time")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.recorded, self.edit, self.now_button):
            layout.addWidget(w)
        layout.addStretch(1)
        self.recorded.toggled.connect(self._sync)
        self.edit.changed.connect(self.changed.emit)
        self.now_button.clicked.connect(self.set_now)
        self._sync()

    def _sync(self) -> None:
        self.edit.setEnabled(self.recorded.isChecked())
        # Taken to this field (e.g. to a problem), the cursor goes where it can act.
        self.setFocusProxy(self.edit if self.recorded.isChecked() else self.recorded)
        self.changed.emit()

    def set_now(self) -> None:
        now = datetime.now()
        self.set_value(time(now.hour, now.minute))

    def value(self) -> time | None:
        return self.edit.value() if self.recorded.isChecked() else None

    def set_value(self, value: time | None) -> None:
        if value is not None:
            self.edit.set_value(value)
        self.recorded.setChecked(value is not None)

    def typing_problem(self, name: str) -> str | None:
        return self.edit.problem(name) if self.recorded.isChecked() else None


class OptionalDateEdit(QWidget):
    """A date that may be absent; `value()` is None while unticked (or while the typed
    text is not a date: `typing_problem` says so)."""

    changed = Signal()

    def __init__(self, label: str = "Set", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recorded = QCheckBox(label)
        self.edit = DateField()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.recorded)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.recorded.toggled.connect(self._sync)
        self.edit.changed.connect(self.changed.emit)
        self._sync()

    def _sync(self) -> None:
        self.edit.setEnabled(self.recorded.isChecked())
        # Taken to this field (e.g. to a problem), the cursor goes where it can act.
        self.setFocusProxy(self.edit if self.recorded.isChecked() else self.recorded)
        self.changed.emit()

    def value(self) -> date | None:
        return self.edit.value() if self.recorded.isChecked() else None

    def set_value(self, value: date | None) -> None:
        if value is not None:
            self.edit.set_value(value)
        self.recorded.setChecked(value is not None)

    def typing_problem(self, name: str) -> str | None:
        return self.edit.problem(name) if self.recorded.isChecked() else None


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def parse_date(text: str) -> date | None:
    """A date typed as YYYY-MM-DD or DD/MM/YYYY (also DD.MM.YYYY); None if it is not one."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class OptionalIntSpin(QSpinBox):
    """A whole number where the lowest position means "not recorded".

    Its range is deliberately wider than the record's limits, so an out-of-range value
    reaches validation and gets a message naming the allowed range instead of being
    silently clamped.
    """

    def __init__(self, maximum: int, suffix: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(-1, maximum)
        self.setSpecialValueText(NOT_RECORDED)
        if suffix:
            self.setSuffix(suffix)
        self.setValue(-1)

    def optional_value(self) -> int | None:
        return None if self.value() == -1 else self.value()

    def set_optional_value(self, value: int | None) -> None:
        self.setValue(-1 if value is None else value)


class OptionalFloatSpin(QDoubleSpinBox):
    """A decimal where the lowest position means "not recorded"."""

    def __init__(self, maximum: float, decimals: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(decimals)
        self.setRange(-1.0, maximum)
        self.setSpecialValueText(NOT_RECORDED)
        self.setValue(-1.0)

    def optional_value(self) -> float | None:
        return None if self.value() < 0 else self.value()

    def set_optional_value(self, value: float | None) -> None:
        self.setValue(-1.0 if value is None else value)


class EnumCombo(QComboBox):
    """A choice from a domain enum by label; optionally "not recorded" first.

    Members are kept in a list by position: Qt would turn a str-based enum stored as item
    data back into a plain str.
    """

    def __init__(self, enum_cls: type[Enum], optional: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._members: list[Enum | None] = [None] if optional else []
        self._members += list(enum_cls)
        for member in self._members:
            self.addItem(NOT_RECORDED if member is None else member.label)

    def value(self):
        index = self.currentIndex()
        return self._members[index] if index >= 0 else None

    def set_value(self, member) -> None:
        self.setCurrentIndex(self._members.index(member) if member in self._members else 0)
