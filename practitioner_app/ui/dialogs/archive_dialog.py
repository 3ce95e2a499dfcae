"""Archiving a patient: hidden from the list with a reason, never erased."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from ...domain.errors import DomainError, Problem, ValidationError
from ...domain.patient import Patient
from ..widgets.form import MessageBoard, text_box

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.patients import PatientService


class ArchivePatientDialog(QDialog):
    """Emits `patient_archived(int)` (the patient id) once archived."""

    patient_archived = Signal(int)

    def __init__(self, service: PatientService, patient: Patient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._patient = patient
        self.setWindowTitle("Archive patient")
        explain = QLabel(
            f"Archive {patient.full_name} (No. {patient.number})?\n\n"
            "Nothing is erased: health records are kept for years. The patient is hidden "
            "from the patient list unless “Show archived patients” is ticked, and the "
            "record can still be opened and printed.")
        explain.setTextFormat(Qt.TextFormat.PlainText)  # the name is user text
        explain.setWordWrap(True)
        self.board = MessageBoard()
        form = QFormLayout()
        self.reason = text_box(3)
        self.reason.setPlaceholderText("e.g. Moved abroad; asked to end treatment")
        self.board.add_row(form, "&Reason", self.reason, "archive_reason")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.archive_button = self.buttons.addButton(
            "&Archive", QDialogButtonBox.ButtonRole.AcceptRole)
        # Archiving cannot be undone in the app: Enter keeps the patient as they are.
        self.archive_button.setAutoDefault(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.buttons.accepted.connect(self.archive)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.resize(500, self.sizeHint().height())

    def archive(self) -> bool:
        try:
            self._service.archive(self._patient.id, self.reason.toPlainText().strip())
        except ValidationError as error:
            self.board.show(error.problems)
            self.reason.setFocus()
            return False
        except DomainError as error:
            self.board.show([Problem("archive_reason", str(error))])
            return False
        self.patient_archived.emit(int(self._patient.id))
        self.accept()
        return True
