"""Administrators add practitioners, deactivate or reactivate them, reset passwords, and
set the idle lock. Accounts are never deleted: old records keep their author."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.accounts import IDLE_MINUTES_RANGE
from ...domain.errors import DomainError, Problem, ValidationError
from ..confirm import confirm
from ..screen_fit import fit_to_screen
from ..widgets.field_message import FieldMessage
from ..widgets.form import MessageBoard
from ..widgets.tables import fill, read_only_table

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.container import Services

COLUMNS = ("Username", "Full name", "Role or title", "Registration", "Administrator", "Active")


class PractitionersDialog(QDialog):
    """The administrator's accounts and security settings. Emits `idle_minutes_saved`
    (the new minutes) once the clinic's idle-lock minutes are saved."""

    idle_minutes_saved = Signal(int)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setWindowTitle("Practitioners")
        self.table = read_only_table(COLUMNS)
        self.table.currentCellChanged.connect(lambda *_cells: self._name_toggle())
        # Each act asks first (`confirmation`); Enter acts only where one types (below),
        # so no button is the default and none acts on a stray Enter.
        self.toggle_button = QPushButton("Deac&tivate…")
        self.reset_button = QPushButton("&Reset password…")
        self.confirmation = None
        self.new_password = QLineEdit()
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setPlaceholderText("new password for the selected account")
        self.new_password.returnPressed.connect(self.reset_selected_password)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.reset_button.clicked.connect(self.reset_selected_password)
        row = QHBoxLayout()
        for w in (self.toggle_button, self.new_password, self.reset_button):
            row.addWidget(w)
        self.message = FieldMessage()

        add_box = QGroupBox("Add a practitioner")
        form = QFormLayout(add_box)
        self.board = MessageBoard()
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.role_title = QLineEdit()
        self.registration_number = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.is_admin = QCheckBox("Ad&ministrator")
        for label, widget, path in (
            ("&Username", self.username, "username"), ("&Full name", self.full_name, "full_name"),
            ("R&ole or title", self.role_title, "role_title"),
            ("Re&gistration number", self.registration_number, "registration_number"),
            ("&Password", self.password, "password"), ("", self.is_admin, "is_admin"),
        ):
            self.board.add_row(form, label, widget, path)
            if isinstance(widget, QLineEdit):
                widget.returnPressed.connect(self.add)
        self.add_button = QPushButton("&Add practitioner")
        self.add_button.clicked.connect(self.add)
        form.addRow("", self.add_button)

        security = QGroupBox("Security")
        security_form = QFormLayout(security)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(*IDLE_MINUTES_RANGE)  # nothing else can be chosen
        self.idle_minutes.setSuffix(" min")
        minutes, self._idle_version = services.security.idle_minutes_with_version()
        self.idle_minutes.setValue(minutes)
        self.save_idle_button = QPushButton("Sa&ve")
        self.save_idle_button.clicked.connect(self.save_idle_minutes)
        idle_row = QHBoxLayout()
        idle_row.addWidget(self.idle_minutes)
        idle_row.addWidget(self.save_idle_button)
        idle_row.addStretch(1)
        security_form.addRow("Lock after idle", idle_row)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(add_box)
        layout.addWidget(security)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        layout.addWidget(close)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        fit_to_screen(self, 860, 720)
        self.refresh()

    def refresh(self) -> None:
        self.users = self._services.accounts.users()
        fill(self.table, [
            (u.username, u.full_name, u.role_title, u.registration_number,
             "yes" if u.is_admin else "", "yes" if u.active else "deactivated")
            for u in self.users])

    def _selected(self):
        row = self.table.currentRow()
        return self.users[row] if 0 <= row < len(self.users) else None

    def _name_toggle(self) -> None:
        """The button says what it will do to the selected account."""
        user = self._selected()
        self.toggle_button.setText("Reac&tivate…" if user and not user.active
                                   else "Deac&tivate…")

    def _say(self, error: Exception | None, done: str = "") -> None:
        if error is None:
            self.message.show_messages([], [done] if done else [])
        else:
            problems = error.problems if isinstance(error, ValidationError) else []
            self.message.show_messages([p.message for p in problems] or [str(error)], [])

    def add(self) -> None:
        try:
            self._services.accounts.add_user(
                self.username.text().strip().lower(), self.full_name.text().strip(),
                self.role_title.text().strip(), self.registration_number.text().strip(),
                self.password.text(), self.is_admin.isChecked())
        except ValidationError as error:
            self.board.show(error.problems)
            return
        except DomainError as error:
            self.board.show([Problem("username", str(error))])
            return
        added = self.username.text().strip().lower()
        self.board.show([])
        self._say(None, f"{added} was added.")  # and an older message goes
        for box in (self.username, self.full_name, self.role_title, self.registration_number,
                    self.password):
            box.clear()
        self.is_admin.setChecked(False)
        self.refresh()

    def toggle_selected(self) -> QMessageBox | None:
        """Ask, then deactivate (or reactivate) the selected account."""
        user = self._selected()
        if user is None:
            self._say(ValueError("Select an account in the list first."))
            return None
        if user.active:
            text = (f"Deactivate {user.full_name} ({user.username})?\n\nThey can no longer "
                    "sign in; the records they wrote keep their name. An administrator can "
                    "reactivate the account later.")
            act = "Deactivate"
        else:
            text = f"Reactivate {user.full_name} ({user.username})? They can sign in again."
            act = "Reactivate"
        self.confirmation = confirm(self, f"{act} account", text, act,
                                    lambda: self._set_active(user))
        return self.confirmation

    def _set_active(self, user) -> None:
        try:
            self._services.accounts.set_active(user.id, not user.active)
        except DomainError as error:
            self._say(error)
            return
        self._say(None, f"{user.username} is now {'deactivated' if user.active else 'active'}.")
        row = self.table.currentRow()
        self.refresh()
        self.table.setCurrentCell(row, 0)
        self._name_toggle()

    def reset_selected_password(self) -> QMessageBox | None:
        """Ask, then give the selected account the new password typed."""
        user = self._selected()
        if user is None:
            self._say(ValueError("Select an account in the list first."))
            return None
        self.confirmation = confirm(
            self, "Reset password", f"Replace the password of {user.full_name} "
            f"({user.username})? Their old password stops working at once.",
            "Reset password", lambda: self._set_password(user))
        return self.confirmation

    def _set_password(self, user) -> None:
        try:
            self._services.accounts.set_password(user.id, self.new_password.text())
        except DomainError as error:
            self._say(error)
            return
        self.new_password.clear()
        self._say(None, f"The password of {user.username} was changed.")

    def save_idle_minutes(self) -> None:
        try:
            self._services.security.set_idle_minutes(self.idle_minutes.value(),
                                                     version=self._idle_version)
        except DomainError as error:
            self._say(error)
            return
        self._idle_version = self._services.security.idle_minutes_with_version()[1]
        self.idle_minutes_saved.emit(self.idle_minutes.value())
        self._say(None, f"The app now locks after {self.idle_minutes.value()} idle minutes.")
