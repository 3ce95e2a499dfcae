"""A course of treatment: several sessions weeks apart, planned as one series.

Courses are numbered per patient (course 1, course 2, ...): the number, not a database
id, is what sessions refer to, so exports stay meaningful in any database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from . import guidance as g
from .enums import Concern, FacialZone, LabelledEnum, SessionStatus
from .errors import Problem

DEFAULT_MIN_INTERVAL_DAYS = 28
INTERVAL_RANGE = (7, 365)
PLANNED_RANGE = (1, 20)

#: The sessions that count as given in a course ("k of N", next due, the due list, the
#: chart): a draft is only a session being written, not a treatment that took place.
COUNTED_STATUSES = (SessionStatus.COMPLETED, SessionStatus.SIGNED)


class CourseStatus(LabelledEnum):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped early"
    #: Opened by mistake and voided by an administrator, with the reason (kept in
    #: stopped_reason): never treated, never due, offered to no session.
    VOIDED = "voided", "Voided"


@dataclass(frozen=True, slots=True)
class Course:
    number: int
    started_on: date
    planned_sessions: int = 3
    min_interval_days: int = DEFAULT_MIN_INTERVAL_DAYS
    indications: frozenset[Concern] = frozenset()
    target_zones: frozenset[FacialZone] = frozenset()
    notes: str = ""
    status: CourseStatus = CourseStatus.OPEN
    stopped_reason: str = ""
    id: int | None = field(default=None, compare=False)
    #: The stored row's version when this was read (0: never stored; see Patient.version).
    version: int = field(default=0, compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"Course {self.number} (from {self.started_on.isoformat()})"


def validate_course(course: Course) -> list[Problem]:
    problems = []
    low, high = PLANNED_RANGE
    if not low <= course.planned_sessions <= high:
        problems.append(Problem("planned_sessions", f"Planned sessions must be from {low} to "
                                f"{high} (typically 3–6); got {course.planned_sessions}."))
    low, high = INTERVAL_RANGE
    if not low <= course.min_interval_days <= high:
        problems.append(Problem("min_interval_days", f"Minimum interval must be from {low} to "
                                f"{high} days; got {course.min_interval_days}."))
    if course.status is CourseStatus.STOPPED and not course.stopped_reason.strip():
        problems.append(Problem("stopped_reason", "Reason the course stopped early is "
                                                  "required."))
    if course.status is CourseStatus.VOIDED and not course.stopped_reason.strip():
        problems.append(Problem("stopped_reason", "Reason for voiding the course is "
                                                  "required."))
    for name, label in (("notes", "Notes"), ("stopped_reason", "Reason")):
        if len(getattr(course, name)) > g.LONG_TEXT_MAX:
            problems.append(Problem(name, f"{label} may hold at most {g.LONG_TEXT_MAX:,} "
                                          "characters."))
    return problems


def next_due(last_session: date, course: Course) -> date:
    """The earliest date the next session of the course should take place."""
    return last_session + timedelta(days=course.min_interval_days)


def interval_problem(previous: date | None, session_date: date, course: Course,
                     override_reason: str) -> Problem | None:
    """A session earlier than the course's minimum interval needs a reason."""
    if previous is None:
        return None
    due = next_due(previous, course)
    if session_date >= due or override_reason.strip():
        return None
    return Problem("interval_override_reason",
                   f"This session is {(due - session_date).days} day(s) earlier than the "
                   f"course's minimum interval of {course.min_interval_days} days (next due "
                   f"{due.isoformat()}): give a reason to go ahead.")


@dataclass(frozen=True, slots=True)
class DueRow:
    """A patient whose next session in an open course is due (or overdue)."""

    patient_id: int
    number: str
    full_name: str
    phone: str
    course_number: int
    sessions_done: int
    planned_sessions: int
    last_session: date
    due_on: date


#: What may surround a lot as typed: spaces, tabs and line breaks (ASCII only, so that the
#: recall's index search and this comparison agree on what a blank is).
LOT_BLANKS = " \t\r\n\f\v"


def lot_key(lot: str) -> str:
    """The lot as recall compares it: without surrounding blanks, ignoring case
    ("ha-5520 " is HA-5520)."""
    return lot.strip(LOT_BLANKS).lower()


@dataclass(frozen=True, slots=True)
class RecallRow:
    """One use of a recalled lot: who, when, which product, how to reach them."""

    patient_number: str
    full_name: str
    phone: str
    email: str
    session_id: int
    session_date: date
    used_as: str  # "serum", "numbing" or "cartridge"
    product: str
    lot: str
