"""Recording a patient's consent: treatment consent (on a version of the clinic's consent
text) or photo consent, dated and witnessed."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import DomainError, Problem, ValidationError
from ...domain.patient import Patient
from ...domain.signing import Consent
from ..widgets.fields import DateField
from ..widgets.form import MessageBoard

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.consents import ConsentService

KINDS = (("treatment", "Treatment consent"), ("photo", "Photo consent"))


class ConsentDialog(QDialog):
    """Emits `consent_recorded(str)` with the kind ("treatment" or "photo") once stored."""

    consent_recorded = Signal(str)

    def __init__(self, service: ConsentService, patient: Patient, *,
                 today: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._patient = patient
        self._current_version = service.current_version()
        self.setWindowTitle(f"Record consent — {patient.full_name} ({patient.number})")
        self.board = MessageBoard()
        form = QFormLayout()
        self.kind = QComboBox()
        for _value, label in KINDS:
            self.kind.addItem(label)
        self.text_version = QLineEdit(self._current_version)
        self.version_note = QLabel()
        self.version_note.setWordWrap(True)
        self.version_note.setTextFormat(Qt.TextFormat.PlainText)
        # Typed text is taken exactly as typed, or refused by name (a QDateEdit rolled
        # a date typed over its year into another one).
        self.consent_date = DateField(today or date.today())
        self.witnessed_by = QLineEdit()
        self.witnessed_by.setPlaceholderText("Name of the witness")
        self.board.add_row(form, "&Kind", self.kind, "kind")
        self.board.add_row(form, "Consent text &version", self.text_version, "text_version")
        form.addRow("", self.version_note)
        self.board.add_row(form, "&Date given", self.consent_date, "consent_date")
        self.board.add_row(form, "&Witnessed by", self.witnessed_by, "witnessed_by")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.kind.currentIndexChanged.connect(self._sync)
        self.text_version.textChanged.connect(self._sync)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._sync()
        self.resize(520, self.sizeHint().height())

    def _sync(self) -> None:
        treatment = self.kind_value() == "treatment"
        self.text_version.setEnabled(treatment)
        differs = self.text_version.text().strip() != self._current_version
        self.version_note.setText(
            f"The clinic's consent text in force is version {self._current_version}; a "
            "session can be signed only with treatment consent on that version."
            if treatment and differs else "")
        self.version_note.setVisible(treatment and differs)

    def kind_value(self) -> str:
        return KINDS[self.kind.currentIndex()][0]

    def value(self) -> Consent:
        """The consent as entered; its date is None while the typed date is not one."""
        kind = self.kind_value()
        # Photo consent has no versioned text; it is kept with the version in force.
        version = (self.text_version.text().strip() if kind == "treatment"
                   else self._current_version)
        return Consent(kind=kind, text_version=version,
                       consent_date=self.consent_date.value(),
                       witnessed_by=self.witnessed_by.text().strip())

    def save(self) -> bool:
        refused = self.consent_date.problem("Date given")
        if refused is not None:
            self.board.show([Problem("consent_date", refused)])
            return False
        consent = self.value()
        try:
            self._service.record(self._patient.id, consent)
        except ValidationError as error:
            self.board.show(error.problems)
            return False
        except DomainError as error:
            self.board.show([Problem("witnessed_by", str(error))])
            return False
        self.consent_recorded.emit(consent.kind)
        self.accept()
        return True
