"""Input widgets for values that may be "not recorded".

A clinical record distinguishes "not recorded" from zero or midnight, so optional times,
dates and numbers carry an explicit empty state instead of a magic default.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import Enum

from PySide6.QtCore import QDate, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

NOT_RECORDED = "—"


class OptionalTimeEdit(QWidget):
    """A 24-hour time with a "recorded" tick box and a Now button. `value()` is None
    while unticked. Emits `changed` on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recorded = QCheckBox("Recorded")
        self.edit = QTimeEdit()
        self.edit.setDisplayFormat("HH:mm")
        self.now_button = QPushButton("Now")
        self.now_button.setToolTip("Set to the current time")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.recorded, self.edit, self.now_button):
            layout.addWidget(w)
        layout.addStretch(1)
        self.recorded.toggled.connect(self._sync)
        self.edit.timeChanged.connect(lambda _t: self.changed.emit())
        self.now_button.clicked.connect(self.set_now)
        self._sync()

    def _sync(self) -> None:
        self.edit.setEnabled(self.recorded.isChecked())
        self.changed.emit()

    def set_now(self) -> None:
        now = datetime.now()
        self.set_value(time(now.hour, now.minute))

    def value(self) -> time | None:
        if not self.recorded.isChecked():
            return None
        t = self.edit.time()
        return time(t.hour(), t.minute())

    def set_value(self, value: time | None) -> None:
        if value is not None:
            self.edit.setTime(QTime(value.hour, value.minute))
        self.recorded.setChecked(value is not None)


class OptionalDateEdit(QWidget):
    """A date that may be absent; `value()` is None while unticked."""

    changed = Signal()

    def __init__(self, label: str = "Set", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recorded = QCheckBox(label)
        self.edit = QDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setDate(QDate.currentDate())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.recorded)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self.recorded.toggled.connect(self._sync)
        self.edit.dateChanged.connect(lambda _d: self.changed.emit())
        self._sync()

    def _sync(self) -> None:
        self.edit.setEnabled(self.recorded.isChecked())
        self.changed.emit()

    def value(self) -> date | None:
        return self.edit.date().toPython() if self.recorded.isChecked() else None

    def set_value(self, value: date | None) -> None:
        if value is not None:
            self.edit.setDate(QDate(value.year, value.month, value.day))
        self.recorded.setChecked(value is not None)


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
