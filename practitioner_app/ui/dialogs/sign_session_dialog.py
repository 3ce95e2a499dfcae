"""Signing a session: the practitioner confirms with their own password."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ..widgets.field_message import FieldMessage


class SignSessionDialog(QDialog):
    """Asks for the password. Emits `password_entered(str)`; whoever signs calls
    `refuse(message)` when the password is wrong (the dialog stays open to try again) and
    closes the dialog otherwise."""

    password_entered = Signal(str)

    def __init__(self, signer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign the session")
        explain = QLabel(
            f"Sign this session as {signer or 'the signed-in practitioner'}.\n\n"
            "Signing freezes the record: nothing in it can change afterwards. A later "
            "correction is added as an addendum, with your name, the time and a reason, "
            "and the signed record stays as it was.")
        explain.setTextFormat(Qt.TextFormat.PlainText)  # the signer's name is user text
        explain.setWordWrap(True)
        # A dialog sizes itself without asking a wrapped label how tall it gets at its
        # width, so say it: otherwise the explanation is cut off.
        explain.setMinimumWidth(440)
        explain.setMinimumHeight(explain.heightForWidth(440))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = FieldMessage()
        form = QFormLayout()
        form.addRow("Your &password", self.password)
        form.itemAt(0, QFormLayout.ItemRole.LabelRole).widget().setBuddy(self.password)
        form.addRow("", self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_button = self.buttons.addButton("&Sign",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        # Only once the button is inside the dialog: made default before, it is not the
        # dialog's default, and the dialog then makes Cancel its default on showing, so
        # Enter in the password field closed the dialog without signing.
        self.sign_button.setDefault(True)
        self.password.setFocus()

    def submit(self) -> None:
        """Sign with the typed password (Enter or Sign); an empty one is refused here."""
        if not self.password.text():
            self.refuse("Type your password to sign, or press Cancel (Esc).")
            return
        self.message.show_messages([], [])
        self.password_entered.emit(self.password.text())

    def refuse(self, message: str) -> None:
        """Say why the password was not accepted and let the user try again."""
        self.message.show_messages([message], [])
        self.adjustSize()  # room for the message, which was hidden until now
        self.password.clear()
        self.password.setFocus()
