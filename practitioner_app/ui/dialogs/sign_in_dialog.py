"""Signing in: the first start creates the administrator's account; every later start,
and unlocking after the idle lock, asks for username and password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import DomainError, SignInRefused, ValidationError
from ..widgets.field_message import FieldMessage
from ..widgets.form import MessageBoard

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.accounts import AccountService


#: Shown when the answer is given before the database has finished opening (a second or
#: less after the window appears).
OPENING = "Opening the clinic database… your answer is checked as soon as it is open."


def _password_box() -> QLineEdit:
    box = QLineEdit()
    box.setEchoMode(QLineEdit.EchoMode.Password)
    return box


class _AnsweredOnceOpen:
    """For a dialog that may be answered before the database is open (its `_accounts` is
    None until then): the answer is kept, its button disabled and OPENING shown, and
    `set_accounts` acts on it. The dialog sets `_accounts`, `_pending`, `message` and
    `_answer_button`, and names its action in `_answer`."""

    def _keep_until_open(self) -> bool:
        """Whether the database is not open yet (the answer is then kept)."""
        if self._accounts is not None:
            return False
        self._pending = True
        self._answer_button.setEnabled(False)
        self.message.show_messages([], [OPENING])
        return True

    def set_accounts(self, accounts: AccountService) -> None:
        """The database is open; an answer given before is acted on now."""
        self._accounts = accounts
        if self._pending:
            self._pending = False
            self._answer_button.setEnabled(True)
            self.message.show_messages([], [])
            self._answer()


class SignInDialog(_AnsweredOnceOpen, QDialog):
    """Asks for username and password; with `unlock_user` set, only that user's password
    (the idle lock). Emits `signed_in` (no payload) once the account is confirmed.

    Closing it without signing in is refused while `required` (the app stays locked).
    """

    signed_in = Signal()

    def __init__(self, accounts: AccountService | None, unlock_user: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._accounts = accounts
        self._pending = False
        self._unlock_user = unlock_user
        self.setWindowTitle("Locked" if unlock_user else "Sign in")
        self.setModal(True)  # application-modal, without loading Qt's enumerations (~30 ms)
        heading = QLabel(
            f"The app was locked. Enter the password of {unlock_user} to continue; "
            "nothing you had entered is lost." if unlock_user else
            "Sign in with your practitioner account.")
        heading.setWordWrap(True)
        form = QFormLayout()
        self.username = QLineEdit(unlock_user or "")
        self.username.setReadOnly(bool(unlock_user))
        self.password = _password_box()
        form.addRow("&Username", self.username)
        form.addRow("&Password", self.password)
        self.message = FieldMessage()
        self.buttons = QDialogButtonBox()
        self.sign_in_button = self.buttons.addButton(
            "Unlock" if unlock_user else "Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        self._answer_button = self.sign_in_button
        self.buttons.accepted.connect(self.attempt)
        # A child of the dialog, so it can never fire after the dialog is gone.
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(lambda: self.sign_in_button.setEnabled(True))
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        (self.password if unlock_user else self.username).setFocus()

    def attempt(self) -> bool:
        """Check the answer; True once signed in. Before the database is open the answer
        is kept and checked as soon as it is (False until then)."""
        if self._keep_until_open():
            return False
        try:
            if self._unlock_user:
                self._accounts.confirm_password(self.password.text())
            else:
                self._accounts.sign_in(self.username.text(), self.password.text())
        except SignInRefused as refused:
            self.password.clear()
            self.message.show_messages([str(refused)], [])
            if refused.wait_seconds > 0:  # no attempt is even considered until then
                self.sign_in_button.setEnabled(False)
                self._retry.start(int(refused.wait_seconds * 1000) + 100)
            return False
        self.password.clear()
        self.signed_in.emit()
        self.accept()
        return True

    def _answer(self) -> None:
        self.attempt()

    def reject(self) -> None:  # Escape never gets past the lock
        pass


class FirstRunDialog(_AnsweredOnceOpen, QDialog):
    """Creates the administrator's account on the first start. Emits `signed_in`."""

    signed_in = Signal()

    def __init__(self, accounts: AccountService | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._accounts = accounts
        self._pending = False
        self.setWindowTitle("Create the administrator's account")
        self.setModal(True)  # application-modal, without loading Qt's enumerations (~30 ms)
        intro = QLabel(
            "This is the first start on this database. Create the administrator's account: "
            "the administrator adds the other practitioners. Names, roles and registration "
            "numbers are printed on signed records.")
        intro.setWordWrap(True)
        self.board = MessageBoard()
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setPlaceholderText("e.g. jroe (lower-case letters and digits)")
        self.full_name = QLineEdit()
        self.role_title = QLineEdit()
        self.registration_number = QLineEdit()
        self.password = _password_box()
        self.password_again = _password_box()
        for label, widget, path in (
            ("&Username", self.username, "username"), ("&Full name", self.full_name,
                                                       "full_name"),
            ("&Role or title", self.role_title, "role_title"),
            ("Re&gistration number", self.registration_number, "registration_number"),
            ("&Password", self.password, "password"),
            ("Password a&gain", self.password_again, "password_again"),
        ):
            self.board.add_row(form, label, widget, path)
        self.message = FieldMessage()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create account")
        self._answer_button = self.create_button
        self.buttons.accepted.connect(self.create)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def create(self) -> bool:
        """Create the account; True once created and signed in. Before the database is
        open the form is kept and acted on as soon as it is (False until then)."""
        from ...domain.errors import Problem

        if self.password.text() != self.password_again.text():
            self.board.show([Problem("password_again", "The two passwords differ.")])
            return False
        if self._keep_until_open():
            return False
        try:
            self._accounts.create_first_admin(
                self.username.text().strip().lower(), self.full_name.text().strip(),
                self.role_title.text().strip(), self.registration_number.text().strip(),
                self.password.text())
        except ValidationError as error:
            self.board.show(error.problems)
            return False
        except DomainError as error:
            self.board.show([Problem("username", str(error))])
            return False
        self.signed_in.emit()
        self.accept()
        return True

    def _answer(self) -> None:
        self.create()

    def reject(self) -> None:  # the app cannot be used without an account
        pass
