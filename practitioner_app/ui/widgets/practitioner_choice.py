"""Whom a session is recorded as: one of the clinic's accounts, never free text."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

AS_RECORDED = " (as recorded)"


class PractitionerChoice(QComboBox):
    """The clinic's active accounts as "name — role". A session recorded with someone
    who is not (or no longer) an account keeps that choice, marked "as recorded", so
    opening it changes nothing. `text()` is the chosen name and `role()` its role, as
    the record stores them. Emits `chosen` when the choice changes."""

    chosen = Signal()

    def __init__(self, accounts: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self._choices: list[tuple[str, str]] = []
        for name, role in accounts:
            self._add(name, role)
        self.currentIndexChanged.connect(lambda _i: self.chosen.emit())

    def _add(self, name: str, role: str, suffix: str = "", at: int | None = None) -> None:
        label = f"{name} — {role}" if role else name
        index = len(self._choices) if at is None else at
        self._choices.insert(index, (name, role))
        self.insertItem(index, label + suffix)

    def choose(self, name: str, role: str) -> None:
        """Select the account with this name and role; if there is none, keep the pair
        as recorded (an empty name selects the first account)."""
        if (name, role) in self._choices:
            self.setCurrentIndex(self._choices.index((name, role)))
        elif name:
            self._add(name, role, AS_RECORDED if self._choices else "", at=0)
            self.setCurrentIndex(0)
        self.chosen.emit()  # also when the choice stays the same, for those who show it

    def text(self) -> str:
        index = self.currentIndex()
        return self._choices[index][0] if index >= 0 else ""

    def role(self) -> str:
        index = self.currentIndex()
        return self._choices[index][1] if index >= 0 else ""
