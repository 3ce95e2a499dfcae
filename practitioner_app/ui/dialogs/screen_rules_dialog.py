"""The clinic's contraindication screen (administrators): the questions, their severity,
window and order, and the version of the treatment consent text in force.

Past sessions keep the wording they were asked in; a change applies to new sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import DomainError, PermissionDenied, Problem, ValidationError
from ...domain.screening import ContraindicationRule, ScreenSeverity
from ..widgets.field_message import FieldMessage
from ..widgets.fields import EnumCombo
from ..widgets.form import MessageBoard
from ..widgets.zone_grid import INVALID_STYLE

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.consents import ConsentService
    from ...services.screening import ScreenService

COLUMNS = ("Question", "Severity", "Window", "Active")
ITEM, SEVERITY, WINDOW, ACTIVE = range(4)


class ScreenRulesDialog(QDialog):
    """Edits the screen. Emits `rules_saved` (no payload) after a save."""

    rules_saved = Signal()

    def __init__(self, screening: ScreenService, consents: ConsentService,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._screening = screening
        self._consents = consents
        self.setWindowTitle("Contraindication screen and consent text")
        explain = QLabel(
            "The questions asked before every session, in this order. A Stop answered Yes "
            "blocks the needling step; a Caution answered Yes needs a written reason. "
            "The window is the look-back period asked about (now, ever, 6 months, …). "
            "Changes apply to new sessions; past sessions keep the wording they were "
            "asked in. Untick Active to stop asking a question without losing it.")
        explain.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(ITEM, QHeaderView.ResizeMode.Stretch)
        for column in (SEVERITY, WINDOW, ACTIVE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.add_button = QPushButton("&Add question")
        self.remove_button = QPushButton("&Remove")
        self.up_button = QPushButton("Move &up")
        self.down_button = QPushButton("Move &down")
        self.add_button.clicked.connect(self.add_rule)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        row_buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            row_buttons.addWidget(b)
        row_buttons.addStretch(1)
        self.rules_message = FieldMessage()

        self.board = MessageBoard()
        consent_box = QGroupBox("Treatment consent text")
        consent_form = QFormLayout(consent_box)
        self.consent_version = QLineEdit(consents.current_version())
        self.consent_version.setMaximumWidth(200)
        self.board.add_row(consent_form, "&Version in force", self.consent_version, "version")
        note = QLabel("A session can be signed only when the patient's treatment consent "
                      "is recorded on this version. Change it when the clinic's consent "
                      "form changes.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        consent_form.addRow("", note)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_buttons)
        layout.addWidget(self.rules_message)
        layout.addWidget(consent_box)
        layout.addWidget(self.buttons)
        self.set_rules(screening.rules())
        self.resize(860, 720)

    # -- rows -----------------------------------------------------------------------------
    def add_rule(self, rule: ContraindicationRule | None = None) -> int:
        """Append a row (a blank caution when `rule` is None), select it, return it."""
        rule = rule or ContraindicationRule("", ScreenSeverity.CAUTION, "now")
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QLineEdit(rule.item)
        item.setPlaceholderText("The question, e.g. Recent chemical peel")
        severity = EnumCombo(ScreenSeverity)
        severity.set_value(rule.severity)
        window = QLineEdit(rule.window)
        window.setMaximumWidth(120)
        active = QCheckBox()
        active.setChecked(rule.active)
        holder = QWidget()  # centres the tick box in its cell
        line = QHBoxLayout(holder)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(active, 0, Qt.AlignmentFlag.AlignCenter)
        for column, widget in ((ITEM, item), (SEVERITY, severity), (WINDOW, window),
                               (ACTIVE, holder)):
            self.table.setCellWidget(row, column, widget)
        for widget in (item, severity, window, active):
            widget.installEventFilter(self)
        self.table.selectRow(row)
        if not rule.item:
            item.setFocus()
        return row

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        # Typing in a row's cell selects the row, so Remove and Move act on the row the
        # user is in rather than on one selected earlier.
        if event.type() == QEvent.Type.FocusIn:
            for row in range(self.table.rowCount()):
                cells = [self.table.cellWidget(row, c) for c in range(len(COLUMNS))]
                if watched in cells or watched is self.active_box(row):
                    self.table.selectRow(row)
                    break
        return super().eventFilter(watched, event)

    def rule_at(self, row: int) -> ContraindicationRule:
        t = self.table
        return ContraindicationRule(
            item=t.cellWidget(row, ITEM).text().strip(),
            severity=t.cellWidget(row, SEVERITY).value(),
            window=t.cellWidget(row, WINDOW).text().strip(),
            position=row,
            active=self.active_box(row).isChecked())

    def active_box(self, row: int) -> QCheckBox:
        return self.table.cellWidget(row, ACTIVE).findChild(QCheckBox)

    def rules(self) -> tuple[ContraindicationRule, ...]:
        return tuple(self.rule_at(row) for row in range(self.table.rowCount()))

    def set_rules(self, rules: tuple[ContraindicationRule, ...]) -> None:
        self.table.setRowCount(0)
        for rule in rules:
            self.add_rule(rule)

    def _selected_row(self) -> int:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return min(rows) if rows else self.table.currentRow()

    def remove_selected(self) -> None:
        row = self._selected_row()
        if row >= 0:
            self.table.removeRow(row)
            if self.table.rowCount():
                self.table.selectRow(min(row, self.table.rowCount() - 1))

    def move_selected(self, delta: int) -> None:
        row = self._selected_row()
        target = row + delta
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        rules = list(self.rules())
        rules[row], rules[target] = rules[target], rules[row]
        self.set_rules(tuple(rules))
        self.table.selectRow(target)

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> bool:
        """Store the consent version (if changed), then the rules. Each is checked by its
        service; on a refusal the dialog stays open with the message by the field."""
        self.board.show([])
        self.rules_message.show_messages([], [])
        self._mark_rows([])
        version = self.consent_version.text().strip()
        try:
            if version != self._consents.current_version():
                self._consents.set_current_version(version)
            self._screening.save_rules(self.rules())
        except PermissionDenied as error:
            self.rules_message.show_messages([str(error)], [])
            return False
        except ValidationError as error:
            rest = self.board.show(error.problems)
            self.rules_message.show_messages([p.message for p in rest], [])
            self._mark_rows(rest)
            return False
        except DomainError as error:
            self.rules_message.show_messages([str(error)], [])
            return False
        self.rules_saved.emit()
        self.accept()
        return True

    def _mark_rows(self, problems: list[Problem]) -> None:
        bad = {int(p.path[len("rules["):].split("]")[0]) for p in problems
               if p.path.startswith("rules[")}
        for row in range(self.table.rowCount()):
            self.table.cellWidget(row, ITEM).setStyleSheet(INVALID_STYLE if row in bad
                                                           else "")
