"""Courses in the main window: the "due and overdue" list, a patient's courses, and lot
recall. Kept beside MainWindow so the window itself stays about finding patients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMenu

from ..domain.ids import PatientId
from .actions import action
from .widgets.due_list import DueList

if TYPE_CHECKING:  # imported when first opened: the window shows sooner
    from .dialogs.courses_dialog import CoursesDialog
    from .dialogs.recall_dialog import RecallDialog


class CourseActions:
    def __init__(self, window, patient_menu: QMenu, clinic_menu: QMenu) -> None:
        self.window = window
        self.due_list = DueList(lambda within_days: window.services.courses.due(within_days))
        self.due_list.patient_opened.connect(
            lambda pid: window.select_patient(PatientId(pid)))
        self.dock = QDockWidget("Due and overdue", window)
        self.dock.setObjectName("due_dock")
        self.dock.setWidget(self.due_list)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.courses_action = action(window, "C&ourses of treatment…", self.open_courses)
        patient_menu.addAction(self.courses_action)
        self.recall_action = action(window, "&Lot recall…", self.open_recall)
        clinic_menu.addAction(self.recall_action)
        window.access.admin_actions.append(self.recall_action)  # recall is an admin's task

    def refresh(self) -> None:
        self.due_list.refresh()

    def open_courses(self) -> CoursesDialog | None:
        from .dialogs.courses_dialog import CoursesDialog

        patient = self.window.panel.patient
        if patient is None:
            return None
        dialog = CoursesDialog(self.window.services, patient, self.window)
        dialog.finished.connect(lambda _r: self.refresh())
        return self.window._open(dialog)

    def open_recall(self) -> RecallDialog:
        from .dialogs.recall_dialog import RecallDialog

        return self.window._open(RecallDialog(self.window.services, self.window))
