"""One page per step of the procedure, in procedure order. Each page loads its step's
dataclass, returns it from `value()`, and registers its fields' message labels under the
validation paths (`<step>.<field>`)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import DeviceType, Tolerance
from ...domain.session import (
    Aftercare,
    Cleansing,
    Needling,
    Numbing,
    Outcome,
    PreTreatmentChecks,
    Serum,
    Sunscreen,
)
from .field_message import FieldMessage
from .fields import EnumCombo, OptionalDateEdit, OptionalIntSpin, OptionalTimeEdit
from .form import MessageBoard, text_box
from .zone_grid import ZoneGrid

NOTICE_STYLE = ("background: #fdecea; color: #8c1d18; border: 1px solid #b00020; "
                "padding: 6px; font-weight: 600;")
WAITING_STYLE = ("background: #fff4e0; color: #6b4100; border: 1px solid #c77700; "
                 "padding: 6px; font-weight: 600;")


class StepPage(QWidget):
    """A form for one step. Emits `changed` whenever any of its fields is edited."""

    changed = Signal()
    step = ""
    title = ""
    hint = ""

    def __init__(self, board: MessageBoard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = board
        outer = QVBoxLayout(self)
        heading = QLabel(self.title)
        heading.setStyleSheet("font-size: 16pt; font-weight: 600;")
        outer.addWidget(heading)
        if self.hint:
            hint = QLabel(self.hint)
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #555;")
            outer.addWidget(hint)
        # Shown while the step may not be recorded (e.g. the screen blocks needling).
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.hide()
        outer.addWidget(self.notice)
        # Every input sits in `body`, so one call disables the step (locked or signed).
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.body)
        self.build()
        outer.addStretch(1)

    def set_locked(self, reason: str | None, *, blocked: bool = False) -> None:
        """Disable every input of the step and say why (in red when `blocked`, in amber
        while waiting for something else first); `None` unlocks it."""
        self.notice.setStyleSheet(NOTICE_STYLE if blocked else WAITING_STYLE)
        self.notice.setText(reason or "")
        self.notice.setVisible(bool(reason))
        self.body.setEnabled(not reason)

    @property
    def locked(self) -> bool:
        return not self.body.isEnabled()

    def build(self) -> None:  # pragma: no cover - every page overrides
        raise NotImplementedError

    def row(self, label: str, widget: QWidget, field: str) -> QWidget:
        self.board.add_row(self.form, label, widget, f"{self.step}.{field}")
        for name in ("changed", "toggled", "textChanged", "valueChanged",
                     "currentIndexChanged"):
            signal = getattr(widget, name, None)
            if signal is not None:
                signal.connect(lambda *_: self.changed.emit())
                break
        return widget


class PreChecksPage(StepPage):
    step, title = "pre_checks", "Pre-treatment checks"
    hint = "Confirm with the patient before cleansing."
    CHECKS = (
        ("sun_avoided", "Sun exposure avoided for the last 7 days"),
        ("retinoids_paused", "Retinoids and exfoliating acids paused (3–5 days)"),
        ("no_waxing", "No waxing in the area (5–7 days)"),
        ("skin_clean", "Skin clean, no make-up"),
        ("consent_signed", "Treatment consent signed"),
        ("photo_consent", "Photo consent given"),
        ("baseline_photos", "Baseline photos taken"),
    )

    def build(self) -> None:
        self.checks = {name: self.row("", QCheckBox(text), name) for name, text in self.CHECKS}
        self.done_at = self.row("Checked at", OptionalTimeEdit(), "done_at")
        self.note = self.row("Note", text_box(), "note")

    def load(self, v: PreTreatmentChecks) -> None:
        for name, box in self.checks.items():
            box.setChecked(getattr(v, name))
        self.done_at.set_value(v.done_at)
        self.note.setPlainText(v.note)

    def value(self) -> PreTreatmentChecks:
        return PreTreatmentChecks(
            **{name: box.isChecked() for name, box in self.checks.items()},
            done_at=self.done_at.value(), note=self.note.toPlainText())


class CleansingPage(StepPage):
    step, title = "cleansing", "Cleansing"

    def build(self) -> None:
        self.product = self.row("Cleanser", QLineEdit(), "product")
        self.antiseptic = self.row("Antiseptic (after numbing removal)", QLineEdit(),
                                   "antiseptic")
        self.done_at = self.row("Done at", OptionalTimeEdit(), "done_at")

    def load(self, v: Cleansing) -> None:
        self.product.setText(v.product)
        self.antiseptic.setText(v.antiseptic)
        self.done_at.set_value(v.done_at)

    def value(self) -> Cleansing:
        return Cleansing(product=self.product.text(), antiseptic=self.antiseptic.text(),
                         done_at=self.done_at.value())


class NumbingPage(StepPage):
    step, title = "numbing", "Numbing"
    hint = "Typical contact time 15–45 minutes. Check the allergy record first."

    def build(self) -> None:
        choice = QWidget()
        line = QHBoxLayout(choice)
        line.setContentsMargins(0, 0, 0, 0)
        self.used = QRadioButton("Numbing used")
        self.not_used = QRadioButton("Not used")
        line.addWidget(self.used)
        line.addWidget(self.not_used)
        line.addStretch(1)
        self.row("", choice, "used")
        self.used.toggled.connect(lambda *_: self.changed.emit())
        self.agent = self.row("Agent", QLineEdit(), "agent")
        self.agent.setPlaceholderText("e.g. EMLA (lidocaine 2.5 % + prilocaine 2.5 %)")
        self.lot = self.row("Lot", QLineEdit(), "lot")
        self.expiry = self.row("Lot expiry", OptionalDateEdit("Known"), "expiry")
        self.applied_at = self.row("Applied at", OptionalTimeEdit(), "applied_at")
        self.removed_at = self.row("Removed at", OptionalTimeEdit(), "removed_at")
        self.contact = QLabel()
        self.form.addRow("Contact time", self.contact)
        self.not_used_reason = self.row("Reason not used", text_box(2), "not_used_reason")
        self.changed.connect(self._sync)
        self.used.setChecked(True)

    def _sync(self) -> None:
        used = self.used.isChecked()
        for w in (self.agent, self.lot, self.expiry, self.applied_at, self.removed_at):
            w.setEnabled(used)
        self.not_used_reason.setEnabled(not used)
        minutes = self.value().contact_minutes
        self.contact.setText("—" if minutes is None or not used else f"{minutes} min")

    def load(self, v: Numbing) -> None:
        (self.used if v.used else self.not_used).setChecked(True)
        self.agent.setText(v.agent)
        self.lot.setText(v.lot)
        self.expiry.set_value(v.expiry)
        self.applied_at.set_value(v.applied_at)
        self.removed_at.set_value(v.removed_at)
        self.not_used_reason.setPlainText(v.not_used_reason)
        self._sync()

    def value(self) -> Numbing:
        return Numbing(
            used=self.used.isChecked(), agent=self.agent.text(), lot=self.lot.text(),
            applied_at=self.applied_at.value(), removed_at=self.removed_at.value(),
            not_used_reason=self.not_used_reason.toPlainText(), expiry=self.expiry.value())


class NeedlingPage(StepPage):
    step, title = "needling", "Microneedling"
    hint = ("Depth above the clinic's warning level for a zone is flagged in amber; values "
            "outside the hard limits (depth over 0 and up to 3.5 mm, passes 1–40) in red.")

    def build(self) -> None:
        self.device_type = self.row("Device type", EnumCombo(DeviceType, optional=True),
                                    "device_type")
        self.device_make = self.row("Make", QLineEdit(), "device_make")
        self.device_model = self.row("Model", QLineEdit(), "device_model")
        self.device_serial = self.row("Serial number", QLineEdit(), "device_serial")
        self.cartridge_needles = self.row("Cartridge needles", OptionalIntSpin(5000),
                                          "cartridge_needles")
        self.cartridge_lot = self.row("Cartridge lot", QLineEdit(), "cartridge_lot")
        self.cartridge_expiry = self.row("Cartridge expiry", OptionalDateEdit("Known"),
                                         "cartridge_expiry")
        self.single_use = self.row("", QCheckBox("Single-use cartridge confirmed"),
                                   "single_use_confirmed")
        self.started_at = self.row("Started at", OptionalTimeEdit(), "started_at")
        self.grid = ZoneGrid()
        self.grid.changed.connect(self.changed.emit)
        buttons = QWidget()
        line = QHBoxLayout(buttons)
        line.setContentsMargins(0, 0, 0, 0)
        self.add_zone = QPushButton("Add &zone")
        self.remove_zone = QPushButton("Re&move zone")
        line.addWidget(self.add_zone)
        line.addWidget(self.remove_zone)
        line.addStretch(1)
        self.add_zone.clicked.connect(self.grid.add_row_to_edit)
        self.grid.after = self.add_zone
        self.remove_zone.clicked.connect(self.grid.remove_selected)
        self.form.addRow(QLabel("Treated zones"))
        self.form.addRow(self.grid)
        self.form.addRow(buttons)
        self.zone_messages = FieldMessage()
        self.form.addRow(self.zone_messages)
        self.board.add_label("needling.zones", self.zone_messages, self.grid)
        self.device_type.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        self.grid.show_rf_columns(self.device_type.value() is DeviceType.RF)

    def load(self, v: Needling) -> None:
        self.device_type.set_value(v.device_type)
        self.device_make.setText(v.device_make)
        self.device_model.setText(v.device_model)
        self.device_serial.setText(v.device_serial)
        self.cartridge_needles.set_optional_value(v.cartridge_needles)
        self.cartridge_lot.setText(v.cartridge_lot)
        self.cartridge_expiry.set_value(v.cartridge_expiry)
        self.single_use.setChecked(v.single_use_confirmed)
        self.started_at.set_value(v.started_at)
        self.grid.set_value(v.zones)
        self._sync()

    def value(self) -> Needling:
        return Needling(
            device_type=self.device_type.value(), device_make=self.device_make.text(),
            device_model=self.device_model.text(), device_serial=self.device_serial.text(),
            cartridge_needles=self.cartridge_needles.optional_value(),
            cartridge_lot=self.cartridge_lot.text(),
            cartridge_expiry=self.cartridge_expiry.value(),
            single_use_confirmed=self.single_use.isChecked(),
            started_at=self.started_at.value(), zones=self.grid.value())


class SerumPage(StepPage):
    step, title = "serum", "Serum"

    def build(self) -> None:
        self.product = self.row("Product", QLineEdit(), "product")
        self.lot = self.row("Lot", QLineEdit(), "lot")
        self.expiry = self.row("Lot expiry", OptionalDateEdit("Known"), "expiry")
        self.amount = self.row("Amount", QLineEdit(), "amount")
        self.amount.setPlaceholderText("e.g. 2 ml")
        self.done_at = self.row("Applied at", OptionalTimeEdit(), "done_at")

    def load(self, v: Serum) -> None:
        self.product.setText(v.product)
        self.lot.setText(v.lot)
        self.expiry.set_value(v.expiry)
        self.amount.setText(v.amount)
        self.done_at.set_value(v.done_at)

    def value(self) -> Serum:
        return Serum(product=self.product.text(), lot=self.lot.text(),
                     amount=self.amount.text(), done_at=self.done_at.value(),
                     expiry=self.expiry.value())


class SunscreenPage(StepPage):
    step, title = "sunscreen", "Sunscreen"
    hint = "Broad spectrum, SPF 30 or higher recommended."

    def build(self) -> None:
        self.product = self.row("Product", QLineEdit(), "product")
        self.spf = self.row("SPF", OptionalIntSpin(999), "spf")
        self.deferred = self.row("", QCheckBox("Deferred to 24 h by protocol"), "deferred")
        self.deferred_reason = self.row("Reason deferred", text_box(2), "deferred_reason")
        self.done_at = self.row("Applied at", OptionalTimeEdit(), "done_at")
        self.deferred.toggled.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        self.deferred_reason.setEnabled(self.deferred.isChecked())

    def load(self, v: Sunscreen) -> None:
        self.product.setText(v.product)
        self.spf.set_optional_value(v.spf)
        self.deferred.setChecked(v.deferred)
        self.deferred_reason.setPlainText(v.deferred_reason)
        self.done_at.set_value(v.done_at)

    def value(self) -> Sunscreen:
        return Sunscreen(
            product=self.product.text(), spf=self.spf.optional_value(),
            deferred=self.deferred.isChecked(),
            deferred_reason=self.deferred_reason.toPlainText(), done_at=self.done_at.value())


class AftercarePage(StepPage):
    step, title = "aftercare", "Aftercare"

    def build(self) -> None:
        self.given = self.row("", QCheckBox("Aftercare instructions given to the patient"),
                              "given")
        self.instructions = self.row("Instructions / notes", text_box(4), "instructions")
        self.next_appointment = self.row("Next appointment", OptionalDateEdit("Booked"),
                                         "next_appointment")
        self.next_appointment_time = self.row("Next appointment time", OptionalTimeEdit(),
                                              "next_appointment_time")
        self.done_at = self.row("Given at", OptionalTimeEdit(), "done_at")

    def load(self, v: Aftercare) -> None:
        self.given.setChecked(v.given)
        self.instructions.setPlainText(v.instructions)
        self.next_appointment.set_value(v.next_appointment)
        self.next_appointment_time.set_value(v.next_appointment_time)
        self.done_at.set_value(v.done_at)

    def value(self) -> Aftercare:
        return Aftercare(
            given=self.given.isChecked(), instructions=self.instructions.toPlainText(),
            next_appointment=self.next_appointment.value(),
            next_appointment_time=self.next_appointment_time.value(),
            done_at=self.done_at.value())


class OutcomePage(StepPage):
    step, title = "outcome", "Tolerance, adverse events and notes"

    def build(self) -> None:
        self.tolerance = self.row("Tolerance", EnumCombo(Tolerance, optional=True),
                                  "tolerance")
        self.adverse_events = self.row("Adverse events", text_box(2), "adverse_events")
        self.adverse_events.setPlaceholderText("None, or describe")
        self.total_minutes = self.row("Total procedure time", OptionalIntSpin(9999, " min"),
                                      "total_minutes")
        self.notes = self.row("Notes", text_box(5), "notes")

    def load(self, v: Outcome) -> None:
        self.tolerance.set_value(v.tolerance)
        self.adverse_events.setPlainText(v.adverse_events)
        self.total_minutes.set_optional_value(v.total_minutes)
        self.notes.setPlainText(v.notes)

    def value(self) -> Outcome:
        return Outcome(
            tolerance=self.tolerance.value(),
            adverse_events=self.adverse_events.toPlainText(),
            total_minutes=self.total_minutes.optional_value(), notes=self.notes.toPlainText())


PAGES: tuple[type[StepPage], ...] = (
    PreChecksPage, CleansingPage, NumbingPage, NeedlingPage, SerumPage, SunscreenPage,
    AftercarePage, OutcomePage,
)
