"""Courses of treatment: planning a series, who is due, recalling the last session, and
finding every patient who received a recalled lot."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, timedelta

from ..domain.audit import Action
from ..domain.course import Course, CourseStatus, DueRow, RecallRow, validate_course
from ..domain.errors import NotFound, Problem, ValidationError
from ..domain.ids import PatientId
from ..domain.session import TreatmentSession
from ..persistence.repositories import VersionConflict
from .base import Service
from .stale_records import stale_record

DEFAULT_INTERVAL_KEY = "courses.default_interval_days"


class CourseService(Service):
    def default_interval(self) -> int:
        """The clinic's default minimum interval between sessions (28 days unless set)."""
        with self._uow() as uow:
            text = uow.settings.get(DEFAULT_INTERVAL_KEY)
        return int(text) if text.isdigit() else Course(0, date.min).min_interval_days

    def courses(self, patient_id: PatientId) -> list[Course]:
        with self._uow() as uow:
            return uow.courses.for_patient(patient_id)

    def save(self, patient_id: PatientId, course: Course) -> Course:
        """Open a new course (number 0 means "next number") or change an existing one,
        read at `course.version`; returns it as stored. A new course identical to an open
        one (start, indications, zones, plan and notes) is refused: it is the same course
        opened twice. A course changed elsewhere since it was read is refused with
        StaleRecord, naming who and when; nothing is written."""
        problems = validate_course(course)
        if problems:
            raise ValidationError(problems)
        try:
            return self._save(patient_id, course)
        except VersionConflict:
            raise self._stale(patient_id, course.number) from None

    def _save(self, patient_id: PatientId, course: Course) -> Course:
        with self._uow() as uow:
            uow.audit.hold_chain()  # no other change between the checks and the write
            if uow.patients.get(patient_id) is None:
                raise NotFound(f"No patient with id {patient_id}.")
            if course.number and uow.courses.get(patient_id, course.number) is None:
                raise NotFound(f"The patient has no course {course.number}.")
            if not course.number:
                for open_ in uow.courses.for_patient(patient_id):
                    # Course equality leaves the id out; the number is set for the check.
                    if open_.status is CourseStatus.OPEN and open_ == dataclasses.replace(
                            course, number=open_.number):
                        raise ValidationError([Problem(
                            "started_on", f"Course {open_.number}, from "
                            f"{open_.started_on.isoformat()} with the same indications and "
                            "plan, is already open: this would open it twice.")])
            saved = uow.courses.save(patient_id, course)
            self._audit(uow, Action.COURSE_CHANGED if course.number else Action.COURSE_OPENED,
                        patient_id=patient_id,
                        course=saved.number, status=saved.status.value,
                        planned=saved.planned_sessions)
            uow.commit()
        return saved

    def complete(self, patient_id: PatientId, number: int,
                 version: int | None = None) -> Course:
        """Mark the course completed. With `version` (the version shown), a course changed
        elsewhere since is refused with StaleRecord."""
        course = self._get(patient_id, number, version)
        return self.save(patient_id, dataclasses.replace(course, status=CourseStatus.COMPLETED))

    def stop(self, patient_id: PatientId, number: int, reason: str,
             version: int | None = None) -> Course:
        """Stop the course early, with a reason; `version` as for `complete`."""
        course = self._get(patient_id, number, version)
        return self.save(patient_id, dataclasses.replace(
            course, status=CourseStatus.STOPPED, stopped_reason=reason))

    def void(self, patient_id: PatientId, number: int, reason: str,
             version: int | None = None) -> Course:
        """An administrator voids a course opened by mistake, with a reason; audited.
        Only a course without sessions: one that was treated is stopped early instead.
        `version` as for `complete`."""
        self._require_admin()
        if not reason.strip():
            raise ValidationError([Problem("void_reason", "Reason for voiding the course is "
                                                          "required.")])
        try:
            return self._void(patient_id, number, reason, version)
        except VersionConflict:
            raise self._stale(patient_id, number) from None

    def _void(self, patient_id: PatientId, number: int, reason: str,
              version: int | None) -> Course:
        with self._uow() as uow:
            uow.audit.hold_chain()
            course = uow.courses.get(patient_id, number)
            if course is None:
                raise NotFound(f"The patient has no course {number}.")
            if version is not None and course.version != version:
                raise VersionConflict(f"course {number}")
            if course.status is CourseStatus.VOIDED:
                raise ValidationError([Problem("void_reason",
                                               f"Course {number} is already voided.")])
            if uow.courses.session_dates(patient_id, number):
                raise ValidationError([Problem(
                    "void_reason", f"Course {number} has sessions recorded, so it was not "
                                   "opened by mistake: stop it early instead.")])
            voided = uow.courses.save(patient_id, dataclasses.replace(
                course, status=CourseStatus.VOIDED, stopped_reason=reason))
            self._audit(uow, Action.COURSE_VOIDED, patient_id=patient_id, course=number,
                        old_status=course.status.value, reason=reason)
            uow.commit()
        return voided

    def _stale(self, patient_id: PatientId, number: int):
        """The StaleRecord for a course changed elsewhere, read in a new transaction."""
        with self._uow() as uow:
            return stale_record(
                uow, "course", (Action.COURSE_OPENED, Action.COURSE_CHANGED,
                                Action.COURSE_VOIDED),
                patient_id=patient_id, details={"course": number})

    def _get(self, patient_id: PatientId, number: int, version: int | None = None) -> Course:
        """The course, to complete or stop: a voided one stays as it was voided. With
        `version`, the course must still be at that version (else StaleRecord)."""
        with self._uow() as uow:
            course = uow.courses.get(patient_id, number)
        if course is None:
            raise NotFound(f"The patient has no course {number}.")
        if version is not None and course.version != version:
            raise self._stale(patient_id, number)
        if course.status is CourseStatus.VOIDED:
            raise ValidationError([Problem("status", f"Course {number} was voided; it "
                                                     "cannot be completed or stopped.")])
        return course

    def position(self, patient_id: PatientId, session: TreatmentSession
                 ) -> tuple[int, int] | None:
        """(k, N) for "session k of N" when the session belongs to a course."""
        if session.course_number is None:
            return None
        with self._uow() as uow:
            course = uow.courses.get(patient_id, session.course_number)
            dates = uow.courses.session_dates(patient_id, session.course_number)
        if course is None:
            return None
        ids = [sid for sid, _day in dates]
        k = ids.index(session.id) + 1 if session.id in ids else len(ids) + 1
        return k, max(course.planned_sessions, len(ids))

    def given_sessions(self, patient_id: PatientId, number: int) -> list[TreatmentSession]:
        """The course's completed and signed sessions, oldest first: what its count, chart
        and table show (a draft is not a session given)."""
        with self._uow() as uow:
            dates = uow.courses.session_dates(patient_id, number)
            return [s for s in (uow.sessions.get(sid) for sid, _day in dates) if s is not None]

    def next_due(self, patient_id: PatientId, number: int) -> date | None:
        with self._uow() as uow:
            course = uow.courses.get(patient_id, number)
            dates = uow.courses.session_dates(patient_id, number)
        if course is None or not dates:
            return None
        return dates[-1][1] + timedelta(days=course.min_interval_days)

    def previous_session(self, patient_id: PatientId, number: int,
                         before: date | None = None) -> TreatmentSession | None:
        """The course's latest session (before `before`, when given): what a clinician
        starts the next session from."""
        with self._uow() as uow:
            dates = uow.courses.session_dates(patient_id, number)
            earlier = [sid for sid, day in dates if before is None or day < before]
            return uow.sessions.get(earlier[-1]) if earlier else None

    def due(self, within_days: int, limit: int | None = None) -> list[DueRow]:
        """Open courses whose next session is due within `within_days`, or overdue,
        soonest first; with `limit`, only that many (what a list shows first), read
        through an index whatever the number of open courses."""
        if not 0 <= within_days <= 365:
            raise ValidationError([Problem("within_days", "Due within must be 0–365 days; "
                                                          f"got {within_days}.")])
        with self._uow() as uow:
            return uow.courses.due(self._today() + timedelta(days=within_days), limit)

    def recall(self, lot: str, product: str | None = None) -> list[RecallRow]:
        """Every session that used `lot` (as serum, numbing agent or cartridge), with the
        patient's contact details; `product` narrows by product name."""
        self._require_admin()  # every matching patient's contact details
        if not lot.strip():
            raise ValidationError([Problem("lot", "Lot is required.")])
        with self._uow() as uow:
            rows = uow.recall.uses_of(lot.strip(), product)
            self._audit(uow, Action.EXPORTED, lot=lot, product=product or "",
                        found=len(rows), purpose="lot recall")
            uow.commit()
        return rows


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
#: Injection"), and the quote that marks such a cell as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"


def recall_csv(rows: list[RecallRow]) -> str:
    """The recall as CSV text (header row first), for a spreadsheet or a mail merge.

    Every field is quoted, so commas, quotes, CR and LF inside a name stay in their cell
    (Python's `csv` reads each row back into its columns). A cell a spreadsheet would take
    as a formula is neutralised as OWASP advises: a cell that begins with = + - @, a tab,
    a carriage return, or the mark ' itself gets one ' in front; removing a leading ' from
    any cell gives back exactly what was typed.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["patient_number", "full_name", "phone", "email", "session_id",
                     "session_date", "used_as", "product", "lot"])
    for r in rows:
        writer.writerow([_as_text_cell(str(value)) for value in (
            r.patient_number, r.full_name, r.phone, r.email, r.session_id,
            r.session_date.isoformat(), r.used_as, r.product, r.lot)])
    return out.getvalue()


def _as_text_cell(value: str) -> str:
    return TEXT_MARK + value if value.startswith((*FORMULA_STARTS, TEXT_MARK)) else value
