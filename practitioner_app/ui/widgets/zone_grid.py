"""One row per treated zone: zone, depth, passes, speed, technique, endpoint, RF, note.

Kept safe to type into: each row's zone is also its row heading, so it stays in sight when
the grid scrolls sideways; Tab walks the cells row by row (never the grid's hidden current
cell); Add zone puts the cursor in the new row's depth; a space never opens a drop-down
and the mouse wheel never changes a cell that does not have the focus.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QHeaderView,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ...domain.enums import Bleeding, FacialZone, Oedema
from ...domain.errors import Problem
from ...domain.session import ZoneTreatment
from .fields import EnumCombo, OptionalFloatSpin, OptionalIntSpin

COLUMNS = ("Zone", "Depth (mm)", "Passes", "Speed", "Technique", "Erythema 0–4",
           "Bleeding", "Oedema", "RF energy", "RF pulse (ms)", "Note")
FIELD_COLUMN = {"zone": 0, "depth_mm": 1, "passes": 2, "speed": 3, "technique": 4,
                "erythema": 5, "bleeding": 6, "oedema": 7, "rf_energy": 8, "rf_pulse_ms": 9,
                "note": 10}
RF_COLUMNS = (8, 9)
INVALID_STYLE = "background: #ffe3e6; border: 1px solid #b00020;"
WARNING_STYLE = "background: #fff4e0; border: 1px solid #c77700;"


class ZoneGrid(QTableWidget):
    """Editable zone rows. Spin boxes allow values beyond the hard limits on purpose, so
    validation (not silent clamping) tells the user the allowed range. Emits `changed`."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        # The zone heads its row, so it stays in sight when the columns scroll sideways.
        self.verticalHeader().setVisible(True)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Tab moves between the cells' own widgets (see _retab), not the view's current cell.
        self.setTabKeyNavigation(False)
        self.setMinimumHeight(180)
        #: Where Tab goes after the last cell (e.g. the Add zone button).
        self.after: QWidget | None = None

    # -- rows -----------------------------------------------------------------------------
    def add_row(self, row: ZoneTreatment | None = None) -> int:
        """Append a row (the next untreated zone when `row` is None); return its index."""
        index = self.rowCount()
        self.insertRow(index)
        zone = EnumCombo(FacialZone)
        depth = QDoubleSpinBox()
        depth.setDecimals(2)
        depth.setRange(0.0, 9.99)
        depth.setSingleStep(0.05)
        depth.setSuffix(" mm")
        passes = QSpinBox()
        passes.setRange(0, 99)
        erythema = OptionalIntSpin(9)
        rf_pulse = OptionalFloatSpin(9999.0)
        widgets = [zone, depth, passes, QLineEdit(), QLineEdit(), erythema,
                   EnumCombo(Bleeding, optional=True), EnumCombo(Oedema, optional=True),
                   QLineEdit(), rf_pulse, QLineEdit()]
        for column, widget in enumerate(widgets):
            self.setCellWidget(index, column, widget)
            self._watch(widget)
            self._guard(widget)
        zone.currentIndexChanged.connect(lambda _i: self._label_rows())
        if row is None:
            used = {self.zone_row(i).zone for i in range(index)}
            free = [z for z in FacialZone if z not in used] or list(FacialZone)
            row = ZoneTreatment(zone=free[0], depth_mm=0.5, passes=2)
        self._load_row(index, row)
        self._label_rows()
        self._retab()
        self.changed.emit()
        return index

    def add_row_to_edit(self) -> int:
        """Add Zone: a new row, with the cursor in its depth, the old depth selected so
        typing replaces it."""
        index = self.add_row()
        self.edit_cell(index, "depth_mm")
        return index

    def edit_cell(self, row: int, field: str) -> None:
        widget = self.cell(row, field)
        self.setCurrentCell(row, FIELD_COLUMN[field])
        self.scrollTo(self.model().index(row, FIELD_COLUMN[field]))
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(widget, QAbstractSpinBox | QLineEdit):
            widget.selectAll()

    # -- keeping the place ------------------------------------------------------------------
    def _label_rows(self) -> None:
        for i in range(self.rowCount()):
            zone = self.cell(i, "zone").value()
            self.setVerticalHeaderItem(i, QTableWidgetItem(zone.label if zone else ""))

    def _guard(self, widget: QWidget) -> None:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # no focus (nor change) by wheel
        widget.installEventFilter(self)
        for child in widget.findChildren(QLineEdit):
            child.installEventFilter(self)

    def _cell_of(self, widget: QObject) -> tuple[int, int] | None:
        while widget is not None and widget.parent() is not self.viewport():
            widget = widget.parent()
        if widget is None:
            return None
        index = self.indexAt(widget.geometry().center())
        return (index.row(), index.column()) if index.isValid() else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            cell = self._cell_of(watched)
            if cell is not None:  # the view follows the cursor, e.g. to a scrolled-off cell
                self.setCurrentCell(*cell)
                self.scrollTo(self.model().index(*cell))
        elif kind == QEvent.Type.Wheel and not watched.hasFocus():
            # Scrolling the page over a cell must not change its value.
            QApplication.sendEvent(self.viewport(), event)
            return True
        elif (kind == QEvent.Type.KeyPress and isinstance(watched, QComboBox)
              and event.key() == Qt.Key.Key_Space):
            return True  # a space typed for the next text cell must not open the list
        return super().eventFilter(watched, event)

    def _retab(self) -> None:
        """Tab order: the grid, then every cell row by row, then `after`."""
        chain = [self] + [self.cellWidget(r, c) for r in range(self.rowCount())
                          for c in range(self.columnCount())]
        if self.after is not None:
            chain.append(self.after)
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        """Tabbing into the grid lands in its first cell; tabbing back out of the first
        cell goes on to what comes before the grid."""
        reason = event.reason()
        if reason == Qt.FocusReason.TabFocusReason and self.rowCount():
            self.edit_cell(0, "zone")
            return
        if reason == Qt.FocusReason.BacktabFocusReason:
            self.focusPreviousChild()
            return
        super().focusInEvent(event)

    def _watch(self, widget: QWidget) -> None:
        for name in ("currentIndexChanged", "valueChanged", "textChanged"):
            signal = getattr(widget, name, None)
            if signal is not None:
                signal.connect(lambda *_: self.changed.emit())
                return

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.selectedIndexes()}, reverse=True)
        if not rows and self.currentRow() >= 0:
            rows = [self.currentRow()]
        for r in rows:
            self.removeRow(r)
        self._label_rows()
        self._retab()
        self.changed.emit()

    def cell(self, row: int, field: str) -> QWidget:
        return self.cellWidget(row, FIELD_COLUMN[field])

    def _load_row(self, i: int, z: ZoneTreatment) -> None:
        self.cell(i, "zone").set_value(z.zone)
        self.cell(i, "depth_mm").setValue(z.depth_mm)
        self.cell(i, "passes").setValue(z.passes)
        self.cell(i, "speed").setText(z.speed)
        self.cell(i, "technique").setText(z.technique)
        self.cell(i, "erythema").set_optional_value(z.erythema)
        self.cell(i, "bleeding").set_value(z.bleeding)
        self.cell(i, "oedema").set_value(z.oedema)
        self.cell(i, "rf_energy").setText(z.rf_energy)
        self.cell(i, "rf_pulse_ms").set_optional_value(z.rf_pulse_ms)
        self.cell(i, "note").setText(z.note)

    def zone_row(self, i: int) -> ZoneTreatment:
        return ZoneTreatment(
            zone=self.cell(i, "zone").value(),
            depth_mm=round(self.cell(i, "depth_mm").value(), 2),
            passes=self.cell(i, "passes").value(),
            speed=self.cell(i, "speed").text(),
            technique=self.cell(i, "technique").text(),
            erythema=self.cell(i, "erythema").optional_value(),
            bleeding=self.cell(i, "bleeding").value(),
            oedema=self.cell(i, "oedema").value(),
            rf_energy=self.cell(i, "rf_energy").text(),
            rf_pulse_ms=self.cell(i, "rf_pulse_ms").optional_value(),
            note=self.cell(i, "note").text(),
        )

    def value(self) -> tuple[ZoneTreatment, ...]:
        return tuple(self.zone_row(i) for i in range(self.rowCount()))

    def set_value(self, rows: tuple[ZoneTreatment, ...]) -> None:
        self.setRowCount(0)
        for row in rows:
            self.add_row(row)

    def show_rf_columns(self, visible: bool) -> None:
        for column in RF_COLUMNS:
            self.setColumnHidden(column, not visible)

    # -- problems -------------------------------------------------------------------------
    def mark(self, problems: list[Problem]) -> None:
        """Outline each cell with a problem: red for an error, amber for a warning."""
        styles: dict[tuple[int, int], str] = {}
        for p in problems:
            located = _locate(p.path)
            if located is None:
                continue
            key = located
            if p.is_error or key not in styles:
                styles[key] = INVALID_STYLE if p.is_error else WARNING_STYLE
        for r in range(self.rowCount()):
            for c in range(self.columnCount()):
                self.cellWidget(r, c).setStyleSheet(styles.get((r, c), ""))


def _locate(path: str) -> tuple[int, int] | None:
    """`needling.zones[2].depth_mm` → (2, depth column)."""
    prefix = "needling.zones["
    if not path.startswith(prefix) or "]." not in path:
        return None
    row_text, field = path[len(prefix):].split("].", 1)
    if not row_text.isdigit() or field not in FIELD_COLUMN:
        return None
    return int(row_text), FIELD_COLUMN[field]
