"""The audit trail for administrators, in words (domain/audit_text.py), filtered by
patient, practitioner, action and date range. Each row's tooltip holds the entry's
details exactly as stored and hashed."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.audit_text import all_labels, label, readable
from ...domain.errors import DomainError
from ..screen_fit import fit_to_screen
from ..widgets.fields import DateField
from ..widgets.tables import fill, read_only_table

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.container import Services

COLUMNS = ("#", "Time", "User", "Action", "Patient no.", "Session", "Details")


class AuditViewerDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setWindowTitle("Audit trail")
        self.patient_number = QLineEdit()
        self.patient_number.setPlaceholderText("patient no. (all)")
        self.user = QComboBox()
        self.user.addItem("All practitioners", None)
        for u in services.accounts.users():
            self.user.addItem(f"{u.username} — {u.full_name}", u.username)
        self.action = QComboBox()
        self.action.addItem("All actions", None)
        for text in all_labels():
            self.action.addItem(text, text)
        today = QDate.currentDate()
        # Typed dates are taken as typed or refused by name (see DateField).
        self.start = DateField(today.addDays(-30))
        self.end = DateField(today)
        self.apply_button = QPushButton("&Show")
        self.apply_button.clicked.connect(self.refresh)
        self.chain = QLabel()
        self.patient_number.returnPressed.connect(self.refresh)
        filters = QHBoxLayout()
        for caption, widget in (("Pa&tient", self.patient_number),
                                ("P&ractitioner", self.user), ("A&ction", self.action),
                                ("&From", self.start), ("T&o", self.end)):
            shown = QLabel(caption)
            shown.setBuddy(widget)
            filters.addWidget(shown)
            filters.addWidget(widget)
        filters.addWidget(self.apply_button)
        self.table = read_only_table(COLUMNS, stretch_last=True)
        self.message = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.chain)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        fit_to_screen(self, 1180, 700)
        self.refresh()

    def refresh(self) -> None:
        patient_id = None
        number = self.patient_number.text().strip()
        if number:
            try:
                patient_id = self._services.patients.get_by_number(number).id
            except DomainError as error:
                self.message.setText(str(error))
                self.table.setRowCount(0)
                return
        for name, field in (("From", self.start), ("To", self.end)):
            refused = field.problem(name)
            if refused is not None:
                self.message.setText(refused)
                self.table.setRowCount(0)
                return
        start = datetime.combine(self.start.value(), time.min)
        end = datetime.combine(self.end.value() + timedelta(days=1), time.min)
        wanted = self.action.currentData()
        try:
            entries = self._services.audit.find(
                patient_id=patient_id, username=self.user.currentData(), start=start, end=end,
                actions=all_labels()[wanted] if wanted else None)
        except DomainError as error:
            self.message.setText(str(error))
            return
        if wanted:  # an action may carry several labels: keep the one chosen
            entries = [e for e in entries if label(e.action, e.details) == wanted]
        numbers = self._patient_numbers({e.patient_id for e in entries if e.patient_id})
        fill(self.table, [
            (str(e.id), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.username,
             label(e.action, e.details), numbers.get(e.patient_id, ""),
             str(e.session_id or ""), readable(e.details))
            for e in entries])
        for row, e in enumerate(entries):  # as stored and hashed, full digests included
            self.table.item(row, 6).setToolTip(f"{e.action}: {e.details}")
        count, problem = self._services.audit.verify()
        self.chain.setText(f"Chain of {count:,} entries: " + (
            f"BROKEN — {problem}" if problem else "intact"))
        self.chain.setStyleSheet("color: #b00020; font-weight: 600;" if problem else "")
        self.message.setText(f"{len(entries):,} entries shown, newest first.")

    def _patient_numbers(self, ids: set[int]) -> dict[int, str]:
        rows = self._services.patients.rows(sorted(ids))
        return {r.id: r.number for r in rows}
