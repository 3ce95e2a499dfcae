"""Courses in the main window: the "due and overdue" list, a patient's courses, and lot
recall. Kept beside MainWindow so the window itself stays about finding patients.

The due list and an open Courses dialog follow the change bus: a session given, a
course opened or closed, here or at another workstation, shows without reopening
anything."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMenu

from ..domain.changes import Changes
from ..domain.errors import DomainError
from ..domain.ids import PatientId
from .actions import action
from .widgets.due_list import DueList

if TYPE_CHECKING:  # imported when first opened: the window shows sooner
    from .change_bus import ChangeBus
    from .dialogs.courses_dialog import CoursesDialog
    from .dialogs.recall_dialog import RecallDialog
    from .window_context import WindowContext


class CourseActions:
    def __init__(self, window, context: WindowContext, patient_menu: QMenu,
                 clinic_menu: QMenu) -> None:
        self.context = context
        self.due_list = DueList(
            lambda within_days, limit: context.services.courses.due(within_days, limit))
        self.due_list.patient_opened.connect(
            lambda pid: context.select_patient(PatientId(pid)))
        self.dock = QDockWidget("Due and overdue", window)
        self.dock.setObjectName("due_dock")
        self.dock.setWidget(self.due_list)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.courses_action = action(window, "C&ourses of treatment…", self.open_courses)
        patient_menu.addAction(self.courses_action)
        self.recall_action = action(window, "&Lot recall…", self.open_recall)
        clinic_menu.addAction(self.recall_action)
        window.access.admin_actions.append(self.recall_action)  # recall is an admin's task

    def follow(self, bus: ChangeBus) -> None:
        """Keep the due list up to date with what the bus says changed."""
        bus.changed.connect(self.changes_arrived)

    def changes_arrived(self, changes: Changes) -> None:
        try:
            self.due_list.apply(changes)
        except DomainError as error:  # e.g. the server went away meanwhile: kept as it was
            self.context.show_status(f"The due list was not brought up to date: {error}",
                                     15_000)

    def refresh(self) -> None:
        self.due_list.refresh()

    def open_courses(self) -> CoursesDialog | None:
        from .dialogs.courses_dialog import CoursesDialog

        patient = self.context.current_patient()
        if patient is None:
            return None
        dialog = CoursesDialog(self.context.services, patient, self.context.widget)
        if self.context.bus is not None:  # shows a session given meanwhile, here or elsewhere
            self.context.bus.changed.connect(dialog.changes_arrived)
        return self.context.open_dialog(dialog)

    def open_recall(self) -> RecallDialog:
        from .dialogs.recall_dialog import RecallDialog

        return self.context.open_dialog(RecallDialog(self.context.services,
                                                     self.context.widget))
