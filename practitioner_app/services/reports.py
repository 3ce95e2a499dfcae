"""Gathering what each printed document needs and building it.

ReportLab is imported on first use (through `reporting`'s lazy builders), never on the
path to the first window.
"""

from __future__ import annotations

from .. import reporting
from ..domain.errors import NotFound
from ..domain.ids import PatientId, SessionId
from ..reporting import AftercareSheetData, PatientSummaryData, SessionReportData
from .base import Service
from .clinic import ClinicService
from .consents import ConsentService
from .courses import CourseService
from .sessions import SessionService


class ReportService(Service):
    def _clinic(self):
        return ClinicService(self._uow, self._clock).profile()

    def _session_and_series(self, session_id: SessionId):
        """The patient, the session, and its (k, n) place in the series: counted, not
        loaded (loading 50 full sessions doubled the time of a one-session report)."""
        with self._uow() as uow:
            session = uow.sessions.get(session_id)
            if session is None:
                raise NotFound(f"No session with id {session_id}.")
            patient = uow.patients.get(session.patient_id)
            position = uow.sessions.position_in_series(session)
        return patient, session, position

    def warm_up(self) -> None:
        """Load the document machinery ahead of the first document (reporting.prepare)."""
        reporting.prepare()

    def session_report_data(self, session_id: SessionId) -> SessionReportData:
        """Everything the report prints; a signed session's digest is checked first."""
        patient, session, (number, count) = self._session_and_series(session_id)
        in_course = CourseService(self._uow, self._clock, self._actor).position(
            patient.id, session)
        if in_course is not None:  # "session k of N" counts within the planned course
            number, count = in_course
        warning = SessionService(self._uow, self._clock, self._actor).verify(session_id)
        return SessionReportData(self._clinic(), patient, session, self._clock(),
                                 session_number=number, session_count=count,
                                 integrity_warning=warning or "",
                                 practitioner_registration=self._registration(
                                     session.practitioner_name))

    def _registration(self, practitioner_name: str) -> str:
        """The registration number of the one account named `practitioner_name`; "" when
        no account, or more than one, has that name (a guess must not be printed)."""
        with self._uow() as uow:
            numbers = [u.registration_number for u in uow.users.all()
                       if u.full_name.strip() == practitioner_name.strip()]
        return numbers[0] if len(numbers) == 1 else ""

    def session_report(self, session_id: SessionId) -> bytes:
        """The treatment report of one session (DRAFT on every page while a draft)."""
        return reporting.build_session_report(self.session_report_data(session_id))

    def patient_summary_data(self, patient_id: PatientId) -> PatientSummaryData:
        """The patient and every session; each signed session's digest is checked first."""
        with self._uow() as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound(f"No patient with id {patient_id}.")
            sessions = uow.sessions.for_patient(patient_id)
            consents = uow.consents.for_patient(patient_id)
        version = ConsentService(self._uow, self._clock, self._actor).current_version()
        verifier = SessionService(self._uow, self._clock, self._actor)
        warnings = []
        for session in sessions:
            warning = verifier.verify(session.id) if session.signature is not None else None
            if warning:
                warnings.append(f"Session of {session.session_date:%d %b %Y}: {warning}")
        return PatientSummaryData(self._clinic(), patient, tuple(sessions), self._clock(),
                                  integrity_warnings=tuple(warnings),
                                  consents=tuple(consents), consent_version=version)

    def patient_summary(self, patient_id: PatientId) -> bytes:
        """The patient's details and whole series of sessions."""
        return reporting.build_patient_summary(self.patient_summary_data(patient_id))

    def aftercare_sheet(self, session_id: SessionId) -> bytes:
        """The aftercare instructions handed to the patient after a session."""
        patient, session, _position = self._session_and_series(session_id)
        warning = SessionService(self._uow, self._clock, self._actor).verify(session_id)
        return reporting.build_aftercare_sheet(
            AftercareSheetData(self._clinic(), patient, session, self._clock(),
                               integrity_warning=warning or ""))
