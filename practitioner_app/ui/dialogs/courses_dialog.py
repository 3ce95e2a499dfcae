"""A patient's courses of treatment: open one, see "k of N", next due, the depth trend
and the endpoints per session; complete or stop a course, or (an administrator) void one
opened by mistake. What cannot be undone is confirmed first, Cancel being the default."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.changes import Changes
from ...domain.course import Course, CourseStatus
from ...domain.enums import Concern, FacialZone
from ...domain.errors import DomainError, Problem, ValidationError
from ...domain.patient import Patient
from ..screen_fit import fit_to_screen
from ..widgets.depth_trend import DepthTrend
from ..widgets.field_message import FieldMessage
from ..widgets.fields import DateField
from ..widgets.form import MessageBoard, text_box
from ..widgets.tables import fill, read_only_table

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.container import Services


def _endpoints(session) -> str:
    return "; ".join(
        f"{z.zone.label}: erythema {z.erythema if z.erythema is not None else '—'}, "
        f"{z.bleeding.label.lower() if z.bleeding else '—'} bleeding"
        for z in session.needling.zones)


class CoursesDialog(QDialog):
    def __init__(self, services: Services, patient: Patient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.patient = patient
        self.setWindowTitle(f"Courses — {patient.full_name} ({patient.number})")
        self.course_list = QListWidget()
        self.course_list.currentRowChanged.connect(self._show_course)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.trend = DepthTrend()
        self.sessions_table = read_only_table(
            ("Session", "Date", "Deepest (mm)", "Endpoints", "Adverse events"),
            stretch_last=True)
        self.complete_button = QPushButton("Mark &completed")
        self.stop_reason = QLineEdit()
        self.stop_reason.setPlaceholderText("reason for stopping early")
        self.stop_button = QPushButton("&Stop early")
        self.void_reason = QLineEdit()
        self.void_reason.setPlaceholderText("reason for voiding (opened by mistake)")
        self.void_button = QPushButton("&Void…")
        self.void_button.setToolTip("An administrator voids a course opened by mistake "
                                    "(one without sessions), with a reason.")
        self.message = FieldMessage()
        #: The open "are you sure?" question, if any.
        self.confirm_box: QMessageBox | None = None
        self.complete_button.clicked.connect(self.complete_current)
        self.stop_button.clicked.connect(self.stop_current)
        self.void_button.clicked.connect(self.void_current)
        actions = QHBoxLayout()
        for w in (self.complete_button, self.stop_reason, self.stop_button,
                  self.void_reason, self.void_button):
            actions.addWidget(w)

        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.trend, 1)
        right.addWidget(self.sessions_table, 1)
        right.addLayout(actions)
        right.addWidget(self.message)
        top = QHBoxLayout()
        top.addWidget(self.course_list, 1)
        top.addLayout(right, 3)

        self.new_box = QGroupBox("Open a new course")
        self.board = MessageBoard()
        form = QFormLayout(self.new_box)
        self.started_on = DateField(date.today())
        self.planned = QSpinBox()
        self.planned.setRange(0, 99)
        self.planned.setValue(3)
        self.interval = QSpinBox()
        self.interval.setRange(0, 999)
        self.interval.setSuffix(" days")
        self.interval.setValue(services.courses.default_interval())
        self.indications = self._checks(Concern, 2)
        self.zones = self._checks(FacialZone, 4)
        self.notes = text_box(2)
        for label, widget, path in (
            ("Starts on", self.started_on, "started_on"),
            ("Planned sessions", self.planned, "planned_sessions"),
            ("Minimum interval", self.interval, "min_interval_days"),
            ("Indications", self.indications[0], "indications"),
            ("Target zones", self.zones[0], "target_zones"),
            ("Notes", self.notes, "notes"),
        ):
            self.board.add_row(form, label, widget, path)
        self.open_button = QPushButton("&Open course")
        self.open_button.clicked.connect(self.open_course)
        form.addRow("", self.open_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(self.new_box)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        layout.addWidget(close)
        # Enter in a field must not open, complete or stop a course: only a button with
        # the focus acts on Enter.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        fit_to_screen(self, 1100, 860)  # within a 1280x800 screen, with the window's frame
        self.refresh()

    @staticmethod
    def _checks(enum_cls, columns: int):
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        checks = {}
        for i, member in enumerate(enum_cls):
            checks[member] = QCheckBox(member.label)
            grid.addWidget(checks[member], i // columns, i % columns)
        return box, checks

    def refresh(self, select: int | None = None, number: int | None = None) -> None:
        """List the courses and select `select` (a row) or the course numbered `number`,
        by default the latest open course; with none open, nothing is selected and
        nothing can be acted on."""
        self.courses = self._services.courses.courses(self.patient.id)
        numbers = [c.number for c in self.courses]
        if number is not None and number in numbers:
            select = numbers.index(number)
        self.course_list.clear()
        for c in self.courses:
            self.course_list.addItem(f"{c.label} — {c.status.label}"
                                     + (f" ({c.stopped_reason})"
                                        if c.status is CourseStatus.VOIDED else ""))
        if select is None:
            open_rows = [i for i, c in enumerate(self.courses)
                         if c.status is CourseStatus.OPEN]
            select = open_rows[-1] if open_rows else -1
        if select >= 0:
            self.course_list.setCurrentRow(select)
        else:  # adding the items made the first one current
            self.course_list.setCurrentIndex(QModelIndex())
        if self.current() is None:
            self.summary.setText("No open course: open one below, or pick one on the left "
                                 "to see it." if self.courses else
                                 "No course yet: open one below.")
            self.trend.set_sessions([])
            fill(self.sessions_table, [])
            self._enable_actions(None)

    def changes_arrived(self, changes: Changes) -> None:
        """Show this patient's courses as they are now if `changes` (saved here or at
        another workstation) touch the patient: a session given, a course opened or
        closed. The course chosen stays chosen; the form for a new course is left as
        typed."""
        if not changes.touches_patient(self.patient.id):
            return
        chosen = self.current()
        try:
            self.refresh(number=None if chosen is None else chosen.number)
        except DomainError as error:  # e.g. the server went away: shown as it was
            self.message.show_messages([str(error)], [])

    def _enable_actions(self, course: Course | None) -> None:
        is_open = course is not None and course.status is CourseStatus.OPEN
        for w in (self.complete_button, self.stop_button, self.stop_reason):
            w.setEnabled(is_open)
        user = self._services.accounts.current_user
        admin = user is None or user.is_admin  # the service has the last word
        voidable = course is not None and course.status is not CourseStatus.VOIDED
        for w in (self.void_button, self.void_reason):
            w.setEnabled(voidable and admin)

    def current(self) -> Course | None:
        row = self.course_list.currentRow()
        return self.courses[row] if 0 <= row < len(self.courses) else None

    def _show_course(self, _row: int) -> None:
        course = self.current()
        self._enable_actions(course)
        if course is None:
            return
        sessions = self._services.courses.given_sessions(self.patient.id, course.number)
        due = self._services.courses.next_due(self.patient.id, course.number)
        zones = ", ".join(z.label for z in FacialZone if z in course.target_zones)
        self.summary.setText(
            f"{course.label}: {len(sessions)} of {course.planned_sessions} sessions, at least "
            f"{course.min_interval_days} days apart. Status: {course.status.label}"
            + (f" ({course.stopped_reason})" if course.stopped_reason else "")
            + (f". Next due {due.isoformat()}" if due and course.status.value == "open" else "")
            + (f". Target zones: {zones}" if zones else "") + ".")
        self.trend.set_sessions(sessions)
        fill(self.sessions_table, [
            (f"{r + 1} of {course.planned_sessions}", s.session_date.isoformat(),
             f"{s.deepest_mm:.2f}" if s.deepest_mm is not None else "—", _endpoints(s),
             s.outcome.adverse_events or "—")
            for r, s in enumerate(sessions)])

    def open_course(self) -> None:
        typed = self.started_on.problem("Starts on")
        if typed:
            self.board.show([Problem("started_on", typed)])
            self.started_on.setFocus()
            return
        course = Course(
            number=0, started_on=self.started_on.value(),
            planned_sessions=self.planned.value(), min_interval_days=self.interval.value(),
            indications=frozenset(k for k, b in self.indications[1].items() if b.isChecked()),
            target_zones=frozenset(k for k, b in self.zones[1].items() if b.isChecked()),
            notes=self.notes.toPlainText())
        try:
            self._services.courses.save(self.patient.id, course)
        except ValidationError as error:
            self.board.show(error.problems)
            return
        self.board.show([])
        self._clear_form()  # so a second press cannot open the same course again
        self.refresh()

    def _clear_form(self) -> None:
        self.started_on.setDate(date.today())
        self.planned.setValue(3)
        self.interval.setValue(self._services.courses.default_interval())
        for box in (*self.indications[1].values(), *self.zones[1].values()):
            box.setChecked(False)
        self.notes.clear()

    def complete_current(self) -> QMessageBox | None:
        return self._confirm(
            "Mark completed", "Mark {label} completed? It is then no longer due.",
            lambda c: self._services.courses.complete(self.patient.id, c.number,
                                                      version=c.version))

    def stop_current(self) -> QMessageBox | None:
        if not self.stop_reason.text().strip():
            self.message.show_messages(["Reason the course stopped early is required: "
                                        "type it beside Stop early."], [])
            self.stop_reason.setFocus()
            return None
        return self._confirm(
            "Stop early", "Stop {label} early? It is then no longer due.",
            lambda c: self._services.courses.stop(self.patient.id, c.number,
                                                  self.stop_reason.text(),
                                                  version=c.version))

    def void_current(self) -> QMessageBox | None:
        if not self.void_reason.text().strip():
            self.message.show_messages(["Reason for voiding the course is required: type "
                                        "it beside Void."], [])
            self.void_reason.setFocus()
            return None
        return self._confirm(
            "Void", "Void {label}? Use this only for a course opened by mistake; it is "
                    "kept, marked voided, with your reason.",
            lambda c: self._services.courses.void(self.patient.id, c.number,
                                                  self.void_reason.text(),
                                                  version=c.version))

    def _confirm(self, verb: str, question: str, action) -> QMessageBox | None:
        """Ask before `action` (which cannot be undone); Cancel is the default and Esc."""
        course = self.current()
        if course is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Question, f"{verb}?",
                          question.format(label=course.label) + "\n\nThis cannot be undone.",
                          QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.confirm_button = box.addButton(verb, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            self.confirm_box = None
            self.activateWindow()  # the keyboard goes back to this window
            if box.clickedButton() is box.confirm_button:
                self._change(course, action)

        box.finished.connect(answered)
        self.confirm_box = box
        box.open()
        return box

    def _change(self, course: Course, action) -> None:
        try:
            action(course)
        except DomainError as error:
            problems = error.problems if isinstance(error, ValidationError) else []
            self.message.show_messages([p.message for p in problems] or [str(error)], [])
            return
        self.message.show_messages([], [])
        self.stop_reason.clear()
        self.void_reason.clear()
        self.refresh(select=self.course_list.currentRow())
