"""The clinic's letterhead and the aftercare text printed for patients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic import DEFAULT_AFTERCARE, ClinicProfile
from ...domain.errors import DomainError, Problem, ValidationError
from ..screen_fit import fit_to_screen
from ..widgets.field_message import FieldMessage
from ..widgets.form import MessageBoard, text_box

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.clinic import ClinicService

LOGO_MAX_PIXELS = 400
LOGO_PREVIEW_HEIGHT = 48


class ClinicDialog(QDialog):
    """Edits the clinic's details. Emits `clinic_saved` (no payload) after a save."""

    clinic_saved = Signal()

    def __init__(self, service: ClinicService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.setWindowTitle("Clinic details")
        self.board = MessageBoard()
        #: Why a save was refused as a whole (details changed at another workstation
        #: since they were read here, the server away): the fields keep what was typed.
        self.notice = FieldMessage()
        self.notice.setVisible(False)
        form = QFormLayout()
        self.name = QLineEdit()
        self.address = text_box(3)
        self.phone = QLineEdit()
        self.out_of_hours_phone = QLineEdit()
        self.email = QLineEdit()
        self.aftercare_text = text_box(18)
        for label, widget, path in (
            ("Clinic &name", self.name, "name"), ("&Address", self.address, "address"),
            ("&Phone", self.phone, "phone"),
            ("&Out-of-hours phone", self.out_of_hours_phone, "out_of_hours_phone"),
            ("&Email", self.email, "email"),
            ("A&ftercare instructions", self.aftercare_text, "aftercare_text"),
        ):
            row = self.board.add_row(form, label, widget, path).parentWidget()
            # Only the aftercare text takes the room the window has to spare: the other
            # rows keep their height instead of floating in bands of empty space.
            if widget is not self.aftercare_text:
                row.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.aftercare_text.setMinimumHeight(self.aftercare_text.minimumHeight() // 2)
        self.aftercare_text.setMaximumHeight(16_777_215)  # QWIDGETSIZE_MAX: grows with the window
        self.aftercare_text.setSizePolicy(QSizePolicy.Policy.Expanding,
                                          QSizePolicy.Policy.Expanding)
        self.logo_preview = QLabel("No logo")
        self.logo_preview.setFixedHeight(LOGO_PREVIEW_HEIGHT)
        choose = QPushButton("Choose &logo…")
        remove = QPushButton("Remove logo")
        choose.clicked.connect(self._choose_logo)
        remove.clicked.connect(lambda: self._set_logo(b""))
        logo_row = QHBoxLayout()
        for w in (self.logo_preview, choose, remove):
            logo_row.addWidget(w)
        logo_row.addStretch(1)
        logo_box = QWidget()
        logo_box.setLayout(logo_row)
        self.board.add_row(form, "Logo", logo_box, "logo_png")
        restore = QPushButton("Restore the standard aftercare text")
        restore.clicked.connect(lambda: self.aftercare_text.setPlainText(DEFAULT_AFTERCARE))
        form.addRow("", restore)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        profile, self._version = service.profile_with_version()
        self._load(profile)
        fit_to_screen(self, 760, 760)

    def _choose_logo(self) -> None:
        from ..file_dialogs import ask_open_file

        path = ask_open_file(self, "Choose the clinic's logo", "",
                             "Images (*.png *.jpg *.jpeg *.bmp *.gif)")
        if path is not None:
            self.load_logo_file(str(path))

    def load_logo_file(self, path: str) -> bool:
        """Take an image file as the logo, re-encoded as a PNG at most LOGO_MAX_PIXELS
        high (so a huge photo cannot bloat every printed page). False if not an image."""
        image = QImage(path)
        if image.isNull():
            self.board.show([Problem("logo_png", f"{path} is not an image this app can read "
                                                 "(PNG, JPEG, BMP or GIF).")])
            return False
        if image.height() > LOGO_MAX_PIXELS:
            image = image.scaledToHeight(LOGO_MAX_PIXELS,
                                         Qt.TransformationMode.SmoothTransformation)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        self._set_logo(bytes(buffer.data()))
        return True

    def _set_logo(self, png: bytes) -> None:
        self._logo_png = png
        if png:
            pixmap = QPixmap()
            pixmap.loadFromData(png, "PNG")
            self.logo_preview.setPixmap(pixmap.scaledToHeight(
                LOGO_PREVIEW_HEIGHT, Qt.TransformationMode.SmoothTransformation))
        else:
            self.logo_preview.clear()
            self.logo_preview.setText("No logo")

    def _load(self, p: ClinicProfile) -> None:
        self.name.setText(p.name)
        self.address.setPlainText(p.address)
        self.phone.setText(p.phone)
        self.out_of_hours_phone.setText(p.out_of_hours_phone)
        self.email.setText(p.email)
        self.aftercare_text.setPlainText(p.aftercare_text)
        self._set_logo(p.logo_png)

    def value(self) -> ClinicProfile:
        return ClinicProfile(
            name=self.name.text().strip(), address=self.address.toPlainText(),
            phone=self.phone.text().strip(),
            out_of_hours_phone=self.out_of_hours_phone.text().strip(),
            email=self.email.text().strip(),
            aftercare_text=self.aftercare_text.toPlainText(), logo_png=self._logo_png)

    def save(self) -> None:
        try:
            self._service.save_profile(self.value(), version=self._version)
        except ValidationError as error:
            self.board.show(error.problems)
            return
        except DomainError as error:  # changed elsewhere since it was read; server away
            self.notice.show_messages([f"Not saved: {error}"], [])
            return
        self.clinic_saved.emit()
        self.accept()
