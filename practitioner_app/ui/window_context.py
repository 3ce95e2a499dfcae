"""What the main window's companions (access, data safety, record keeping, courses) may
use of it: the services, the change bus, a way to open a dialog, the patient shown and a
line in the status bar. Never the window's own widgets and models: a companion that
changed something lets the change bus tell every view, instead of refreshing them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ..domain.ids import PatientId
    from ..domain.patient import Patient
    from ..services.container import Services
    from .change_bus import ChangeBus
    from .main_window import MainWindow


class WindowContext:
    def __init__(self, window: MainWindow) -> None:
        self._window = window

    @property
    def widget(self) -> QWidget:
        """The window, as the parent of dialogs and message boxes."""
        return self._window

    @property
    def services(self) -> Services | None:
        """None until the database is open."""
        return self._window.services

    @property
    def bus(self) -> ChangeBus | None:
        """None until the database is open (it is made with the services)."""
        return self._window.bus

    def open_dialog(self, dialog):
        """Open `dialog` without blocking; it becomes the window's `active_dialog`."""
        return self._window.open_dialog(dialog)

    def set_active(self, dialog) -> None:
        """Note `dialog`, opened by the caller, as the window's `active_dialog`."""
        self._window.active_dialog = dialog

    def current_patient(self) -> Patient | None:
        """The patient shown (or about to be shown) on the window."""
        return self._window.panel.patient if self._window.is_built else None

    def select_patient(self, patient_id: PatientId) -> None:
        self._window.select_patient(patient_id)

    def show_status(self, text: str, timeout_ms: int = 0) -> None:
        self._window.statusBar().showMessage(text, timeout_ms)

    def sign_in_again(self) -> None:
        """Hide the records and ask who is there, the search cleared (after a restore:
        the accounts and the records may differ); signing in reads everything again."""
        self._window.sign_in_again()
