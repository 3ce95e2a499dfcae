"""The session editor's course line: which course the session belongs to, "session k of
N" and the next due date, and the reasons kept when going ahead despite a warning (a
session sooner than the course's minimum interval, a lot past its expiry)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ...domain.course import Course, CourseStatus, interval_problem
from ...domain.errors import Problem
from ...domain.session import TreatmentSession

if TYPE_CHECKING:  # annotations only: the windows show before SQLAlchemy is loaded
    from ...services.courses import CourseService


class CourseBox(QWidget):
    """Emits `changed` on any edit and `previous_requested` (no payload) when the user
    asks to start from the course's last session."""

    changed = Signal()
    previous_requested = Signal()

    def __init__(self, courses: CourseService, patient_id: int, session_id: int | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = courses
        self._patient_id = patient_id
        self._session_id = session_id
        # A voided course was opened by mistake: no session belongs to it.
        self.courses: list[Course] = [c for c in courses.courses(patient_id)
                                      if c.status is not CourseStatus.VOIDED]
        self.combo = QComboBox()
        self.combo.addItem("No course")
        for c in self.courses:
            self.combo.addItem(f"{c.label}" + ("" if c.status is CourseStatus.OPEN
                                               else f" — {c.status.label.lower()}"))
        self.info = QLabel()
        self.previous_button = QPushButton("Start from the &last session…")
        self.previous_button.clicked.connect(self.previous_requested.emit)
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.combo)
        line.addWidget(self.info, 1)
        line.addWidget(self.previous_button)
        self.interval_reason = QLineEdit()
        self.interval_reason.setPlaceholderText("why this session comes before the minimum "
                                                "interval")
        self.lot_reason = QLineEdit()
        self.lot_reason.setPlaceholderText("why an expired lot is used")
        self.combo.currentIndexChanged.connect(self._course_changed)
        self.interval_reason.textChanged.connect(lambda _text: self.changed.emit())
        self.lot_reason.textChanged.connect(lambda _text: self.changed.emit())
        self._previous_date: date | None = None

    def select_open_course(self) -> None:
        """A new session starts in the patient's latest open course, if any."""
        for i in range(len(self.courses) - 1, -1, -1):
            if self.courses[i].status is CourseStatus.OPEN:
                self.combo.setCurrentIndex(i + 1)
                return

    def course(self) -> Course | None:
        index = self.combo.currentIndex()
        return self.courses[index - 1] if index > 0 else None

    def load(self, session: TreatmentSession) -> None:
        numbers = [c.number for c in self.courses]
        if session.course_number in numbers:
            self.combo.setCurrentIndex(numbers.index(session.course_number) + 1)
        self.interval_reason.setText(session.interval_override_reason)
        self.lot_reason.setText(session.expired_lot_reason)

    def _course_changed(self) -> None:
        course = self.course()
        self.previous_button.setEnabled(False)
        self._previous_date = None
        if course is not None:
            previous = self._service.previous_session(self._patient_id, course.number)
            earlier = [s for s in ([previous] if previous else []) if s.id != self._session_id]
            self.previous_button.setEnabled(bool(earlier) and self._session_id is None)
        self.changed.emit()

    def describe(self, session_date: date) -> None:
        """Refresh "session k of N · next due" for the session's date."""
        course = self.course()
        if course is None:
            self.info.setText("")
            self._previous_date = None
            return
        previous = self._service.previous_session(self._patient_id, course.number,
                                                  before=session_date)
        if previous is not None and previous.id == self._session_id:
            previous = None
        self._previous_date = previous.session_date if previous else None
        position = self._position(course)
        due = self._service.next_due(self._patient_id, course.number)
        parts = [f"session {position} of {course.planned_sessions}" if position else "",
                 f"every {course.min_interval_days} days or more",
                 f"next due {due.isoformat()}" if due and self._session_id is None else ""]
        self.info.setText(" · ".join(p for p in parts if p))

    def _position(self, course: Course) -> int:
        probe = TreatmentSession(session_date=date.min, practitioner_name="",
                                 course_number=course.number, id=self._session_id)
        found = self._service.position(self._patient_id, probe)
        return found[0] if found else 1

    def problems(self, session: TreatmentSession) -> list[Problem]:
        course = self.course()
        if course is None:
            return []
        problem = interval_problem(self._previous_date, session.session_date, course,
                                   session.interval_override_reason)
        return [problem] if problem else []
