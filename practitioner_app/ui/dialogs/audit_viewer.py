"""The audit trail for administrators, in words (domain/audit_text.py), filtered by
patient, practitioner, action and date range. Each row's tooltip holds the entry's
details exactly as stored and hashed.

The window opens on the newest page of the trail and reads older pages as the list is
scrolled to its end (one list, newest first: no page numbers to count, which would mean
counting the whole trail, and the keyboard's Page Down and End keep going). The chain is
verified meanwhile on a thread of its own, from the last entry this computer verified;
the line above the list says how far it got, and the list stays usable throughout.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.audit_listing import AuditCursor, AuditFilter, AuditPage
from ...domain.audit_text import all_labels
from ...domain.errors import DomainError
from ..chain_verifier import ChainVerifier
from ..models.audit_table_model import COLUMNS, AuditTableModel
from ..screen_fit import fit_to_screen
from ..widgets.fields import DateField
from ..widgets.tables import compact_rows

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.audit_verification import ChainState
    from ...services.container import Services

_BROKEN_STYLE = "color: #b00020; font-weight: 600;"
#: Widths of the columns before Details (which takes the rest), as sample text.
_SAMPLES = ("0000000", "0000-00-00 00:00:00", "username", "Document saved as PDF",
            "P0000000", "000000")


class AuditViewerDialog(QDialog):
    """Signals: `chain_verified(object)`, once the verification is over, with its final
    ChainState (or the exception that stopped it), also kept as `chain_result`."""

    chain_verified = Signal(object)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.chain_result: ChainState | Exception | None = None
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
        # Typed dates are taken as typed or refused by name (see DateField); left empty,
        # the list is not bounded on that side.
        self.start = DateField()
        self.end = DateField()
        for field in (self.start, self.end):
            field.line.setPlaceholderText("any date")
        self.apply_button = QPushButton("&Show")
        self.apply_button.clicked.connect(self.refresh)
        self.chain = QLabel()
        self.chain.setWordWrap(True)
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
        self.model = AuditTableModel(self._read_page, self)
        self.table = _entry_table(self.model)
        self.message = QLabel()
        self.model.loaded.connect(self._say_listed)
        self.model.failed.connect(self.message.setText)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.chain)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        fit_to_screen(self, 1180, 700)
        self.refresh()
        # Not parented: its thread keeps it alive until the walk has stopped, even after
        # this window is gone; what it emits then reaches nobody.
        self.verifier = ChainVerifier(services)
        self.verifier.progressed.connect(self._chain_progressed)
        self.verifier.finished.connect(self._chain_verified)
        self.verifier.failed.connect(self._chain_failed)
        verifier = self.verifier
        # Closed, or destroyed with the main window: the walk stops within a slice.
        self.finished.connect(lambda _result: verifier.cancel())
        self.destroyed.connect(lambda *_args: verifier.cancel())
        app = QCoreApplication.instance()
        if app is not None:  # quitting with the window open stops the walk within a slice
            app.aboutToQuit.connect(self._stop_verifying)
        self.chain.setText("Verifying the audit chain in the background…")

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self.verifier.started:
            # Once the window is up: the walk's first reads would otherwise compete
            # with the first page for the interpreter while the window opens.
            self.verifier.started = True
            QTimer.singleShot(0, self.verifier.start)

    # -- the list ------------------------------------------------------------------------
    def refresh(self) -> None:
        """List the entries the filters ask for, from the newest."""
        wanted = self._wanted()
        if wanted is None:
            self.model.clear()  # the reason is shown instead
            return
        self.model.set_filter(wanted)
        self.table.scrollToTop()

    def _wanted(self) -> AuditFilter | None:
        """The filter typed and chosen, or None (the reason shown) when it is refused."""
        patient_id = None
        number = self.patient_number.text().strip()
        if number:
            try:
                patient_id = self._services.patients.get_by_number(number).id
            except DomainError as error:
                self.message.setText(str(error))
                return None
        for name, field in (("From", self.start), ("To", self.end)):
            refused = field.problem(name, required=False)
            if refused is not None:
                self.message.setText(refused)
                return None
        first, last = self.start.value(), self.end.value()
        return AuditFilter(
            patient_id=patient_id, username=self.user.currentData(),
            label=self.action.currentData(),
            start=datetime.combine(first, time.min) if first else None,
            end=datetime.combine(last + timedelta(days=1), time.min) if last else None)

    def _read_page(self, wanted: AuditFilter, after: AuditCursor | None) -> AuditPage:
        return self._services.audit.page(wanted, after)

    @Slot()
    def _say_listed(self) -> None:
        count = self.model.row_count()
        if count == 0:
            self.message.setText("No entries match.")
        elif self.model.has_more():
            self.message.setText(f"{count:,} entries shown, newest first; older ones are "
                                 "read as you scroll down.")
        else:
            self.message.setText(f"All {count:,} matching entries shown, newest first.")

    # -- the chain -----------------------------------------------------------------------
    @Slot(object)
    def _chain_progressed(self, state: ChainState) -> None:
        self.chain.setStyleSheet("")
        self.chain.setText(_progress_text(state))

    @Slot(object)
    def _chain_verified(self, state: ChainState) -> None:
        self.chain.setText(_verdict_text(state))
        self.chain.setStyleSheet(_BROKEN_STYLE if state.problem or state.note else "")
        self.chain_result = state
        self.chain_verified.emit(state)

    @Slot(object)
    def _chain_failed(self, error: Exception) -> None:
        self.chain.setText(f"The audit chain could not be verified: {error}")
        self.chain.setStyleSheet(_BROKEN_STYLE)
        self.chain_result = error
        self.chain_verified.emit(error)

    def _stop_verifying(self) -> None:
        self.verifier.cancel(wait_s=0.5)


def _entry_table(model: AuditTableModel) -> QTableView:
    """A read-only list of whole rows over `model`, its columns sized once from sample
    text (measuring every row's contents as pages arrive would grow with the list)."""
    table = QTableView()
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table (arrows move within it)
    table.setWordWrap(False)
    compact_rows(table)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    metrics = table.fontMetrics()
    for column, sample in enumerate(_SAMPLES):
        width = max(metrics.horizontalAdvance(sample),
                    metrics.horizontalAdvance(COLUMNS[column])) + 24
        table.setColumnWidth(column, width)
    return table


def _progress_text(state: ChainState) -> str:
    if state.earlier is not None:
        return (f"Verifying the audit chain in the background: the {state.total:,} "
                f"entries added since this computer verified it up to entry "
                f"{state.earlier.entry_id:,} — {state.done:,} of {state.total:,} done…")
    return (f"Verifying the audit chain in the background: {state.done:,} of "
            f"{state.total:,} entries…")


def _verdict_text(state: ChainState) -> str:
    if state.problem:
        held = (f" It holds up to entry {state.holds_to:,}." if state.holds_to else "")
        text = f"The audit chain is BROKEN: {state.problem}.{held}"
    elif state.newest == 0:
        text = "The audit trail is empty."
    elif state.earlier is not None and state.earlier_at is not None:
        added = ("no entry was added since" if not state.done
                 else "the entry added since was verified now" if state.done == 1
                 else f"the {state.done:,} entries added since were verified now")
        text = (f"The audit chain holds up to entry {state.holds_to:,}, the newest: {added}; "
                f"entries up to {state.earlier.entry_id:,} were verified on this computer "
                f"on {state.earlier_at:%Y-%m-%d %H:%M}, and entry "
                f"{state.earlier.entry_id:,} still has the same hash (Check database "
                "verifies every entry again).")
    else:
        text = (f"The audit chain holds: all {state.done:,} entries verified, up to entry "
                f"{state.holds_to:,}, the newest.")
    if state.note:
        text = (f"Warning: {state.note}. Unless this database was restored from a backup or "
                f"replaced since, the audit trail was rewritten or cut short. {text}")
    return text
