"""Patients due (or overdue) for the next session of an open course, sortable; Enter or a
double click opens the patient."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...domain.changes import Changes
from ...domain.course import DueRow
from ...services.container import DUE_SHOWN, DUE_WITHIN_DAYS
from .tables import read_only_table, row_height

COLUMNS = ("Due", "Patient no.", "Name", "Phone", "Course", "Done", "Last session")
#: Rows the list reads and shows, soonest first: a glance at who comes next, not every
#: open course of a ten-year archive (50,000 rows took seconds to read and fill). The
#: opening thread reads the same before sign-in (services/container.py warm_up).
SHOWN = DUE_SHOWN


class DueList(QWidget):
    """Emits `patient_opened(int)` with the patient id."""

    patient_opened = Signal(int)

    def __init__(self, fetch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch  # (within_days, limit) -> list[DueRow], soonest first
        self.within = QSpinBox()
        self.within.setRange(0, 365)
        self.within.setValue(DUE_WITHIN_DAYS)
        self.within.setSuffix(" days")
        self.within.valueChanged.connect(lambda _v: self.refresh())
        self.table = read_only_table(COLUMNS)
        self.table.setSortingEnabled(True)
        self.table.sortItems(0, Qt.SortOrder.AscendingOrder)  # soonest (most overdue) first
        self.table.activated.connect(lambda index: self._open(index.row()))
        # Columns fitted to the rows in sight, not to all 200: measuring every cell's text
        # was half of what the list cost on signing in (the rows in sight are what the
        # glance is for; a longer name further down is elided, whole in its patient).
        self.table.horizontalHeader().setResizeContentsPrecision(0)
        # The choice beside the table rather than above it: the list is a glance at the
        # bottom of the window, and every line of height it takes is the patient's.
        self.count = QLabel()
        choice = QVBoxLayout()
        choice.addWidget(QLabel("Due within"))
        choice.addWidget(self.within)
        choice.addWidget(QLabel("or overdue"))
        choice.addWidget(self.count)
        choice.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 2)
        layout.addLayout(choice)
        layout.addWidget(self.table, 1)
        self.rows: list[DueRow] = []
        #: Whether more are due than the list shows.
        self.more = False

    def height_for_rows(self, rows: int) -> int:
        """The height that shows the table's heading and `rows` rows."""
        margins = self.layout().contentsMargins()
        frame = 2 * self.table.frameWidth()
        return (self.table.horizontalHeader().sizeHint().height() + rows * row_height(
            self.table) + frame + margins.top() + margins.bottom())

    def refresh(self, today: date | None = None) -> None:
        today = today or date.today()
        rows = self._fetch(self.within.value(), SHOWN + 1)
        self.rows, self.more = rows[:SHOWN], len(rows) > SHOWN
        # Filled with sorting off and without repainting, then sorted once (turning
        # sorting on sorts by the column the clinician chose): sorting on, each setItem
        # moved its row (1,400 of them). The columns are sized to their contents once,
        # after the sort, not again for the sort's reordering (half the time it took).
        header = self.table.horizontalHeader()
        self.table.setUpdatesEnabled(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setSortingEnabled(False)
        try:
            self.table.setRowCount(0)  # drops the old items at once, not cell by cell
            self.table.setRowCount(len(self.rows))
            for r, row in enumerate(self.rows):
                overdue = row.due_on < today
                values = (row.due_on.isoformat() + (" (overdue)" if overdue else ""),
                          row.number, row.full_name, row.phone, str(row.course_number),
                          f"{row.sessions_done} of {row.planned_sessions}",
                          row.last_session.isoformat())
                for c, value in enumerate(values):
                    item = QTableWidgetItem(value)
                    item.setData(Qt.ItemDataRole.UserRole, row.patient_id)
                    if overdue and c == 0:
                        item.setForeground(Qt.GlobalColor.darkRed)
                    self.table.setItem(r, c, item)
        finally:
            self.table.setSortingEnabled(True)
            header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            self.table.setUpdatesEnabled(True)
        n = len(self.rows)
        self.count.setText(f"{n:,}+ patients" if self.more
                           else f"{n:,} patient{'' if n == 1 else 's'}")
        self.count.setToolTip(f"The {n:,} soonest are shown; more are due or overdue."
                              if self.more else "")

    def apply(self, changes: Changes) -> bool:
        """Read the list again if `changes` touch any patient (a session given, a course
        opened or closed, a name or phone changed, a patient archived), keeping the
        chosen row's patient chosen. Returns whether it was read again."""
        if not (changes.everything or changes.patients):
            return False
        item = self.table.item(self.table.currentRow(), 0)
        chosen = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        self.refresh()
        if chosen is not None:
            for row in range(self.table.rowCount()):
                if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == chosen:
                    self.table.setCurrentCell(row, self.table.currentColumn()
                                              if self.table.currentColumn() >= 0 else 0)
                    break
        return True

    def _open(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.patient_opened.emit(int(item.data(Qt.ItemDataRole.UserRole)))
