"""The clinic's letterhead and the aftercare text printed for patients."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic import DEFAULT_AFTERCARE, ClinicProfile
from ...domain.errors import ValidationError
from ...services.clinic import ClinicService
from ..widgets.form import MessageBoard, text_box


class ClinicDialog(QDialog):
    """Edits the clinic's details. Emits `clinic_saved` (no payload) after a save."""

    clinic_saved = Signal()

    def __init__(self, service: ClinicService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.setWindowTitle("Clinic details")
        self.board = MessageBoard()
        form = QFormLayout()
        self.name = QLineEdit()
        self.address = text_box(3)
        self.phone = QLineEdit()
        self.email = QLineEdit()
        self.aftercare_text = text_box(18)
        for label, widget, path in (
            ("Clinic &name", self.name, "name"), ("&Address", self.address, "address"),
            ("&Phone", self.phone, "phone"), ("&Email", self.email, "email"),
            ("A&ftercare instructions", self.aftercare_text, "aftercare_text"),
        ):
            self.board.add_row(form, label, widget, path)
        restore = QPushButton("Restore the standard aftercare text")
        restore.clicked.connect(lambda: self.aftercare_text.setPlainText(DEFAULT_AFTERCARE))
        form.addRow("", restore)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._load(service.profile())
        self.resize(760, 760)

    def _load(self, p: ClinicProfile) -> None:
        self.name.setText(p.name)
        self.address.setPlainText(p.address)
        self.phone.setText(p.phone)
        self.email.setText(p.email)
        self.aftercare_text.setPlainText(p.aftercare_text)

    def value(self) -> ClinicProfile:
        return ClinicProfile(
            name=self.name.text().strip(), address=self.address.toPlainText(),
            phone=self.phone.text().strip(), email=self.email.text().strip(),
            aftercare_text=self.aftercare_text.toPlainText())

    def save(self) -> None:
        try:
            self._service.save_profile(self.value())
        except ValidationError as error:
            self.board.show(error.problems)
            return
        self.clinic_saved.emit()
        self.accept()
