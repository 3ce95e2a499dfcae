"""Recording treatment sessions: check, save (whole or nothing), read back, list."""

from __future__ import annotations

import dataclasses

from ..domain.errors import NotFound, Problem, ValidationError
from ..domain.guidance import ZoneGuidance
from ..domain.ids import PatientId, SessionId
from ..domain.session import SessionRow, TreatmentSession
from ..domain.validation import errors_only, validate_session
from .base import Service


class SessionService(Service):
    def zone_guidance(self) -> tuple[ZoneGuidance, ...]:
        """The clinic's current depth guidance per zone."""
        with self._uow() as uow:
            return uow.settings.zone_guidance()

    def check(
        self, session: TreatmentSession, patient_id: PatientId,
        guidance: tuple[ZoneGuidance, ...] | None = None,
    ) -> list[Problem]:
        """Every error and warning for `session` of the given patient; saves nothing."""
        with self._uow() as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound(f"No patient with id {patient_id}.")
            guidance = guidance if guidance is not None else uow.settings.zone_guidance()
        return validate_session(session, guidance, patient.fitzpatrick,
                                born=patient.date_of_birth, today=self._today())

    def save(self, patient_id: PatientId, session: TreatmentSession) -> TreatmentSession:
        """Store the whole session (new when `session.id` is None) and return it with its id.

        The session and all its zone rows are written in one transaction: on any error
        nothing is written. Raises ValidationError or NotFound.
        """
        with self._uow() as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound(f"No patient with id {patient_id}.")
            errors = errors_only(
                validate_session(session, uow.settings.zone_guidance(), patient.fitzpatrick,
                                 born=patient.date_of_birth, today=self._today()))
            if errors:
                raise ValidationError(errors)
            now = self._clock()
            if session.id is None:
                session_id = uow.sessions.add(patient_id, session, now)
            else:
                existing = uow.sessions.get(session.id)
                if existing is None or existing.patient_id != patient_id:
                    raise NotFound(f"No session {session.id} for this patient.")
                uow.sessions.update(session, now)
                session_id = session.id
            uow.commit()
        return dataclasses.replace(session, id=session_id, patient_id=patient_id)

    def get(self, session_id: SessionId) -> TreatmentSession:
        with self._uow() as uow:
            session = uow.sessions.get(session_id)
        if session is None:
            raise NotFound(f"No session with id {session_id}.")
        return session

    def rows_for_patient(self, patient_id: PatientId) -> list[SessionRow]:
        """The patient's sessions, newest first."""
        with self._uow() as uow:
            return uow.sessions.rows_for_patient(patient_id)

    def for_patient(self, patient_id: PatientId) -> list[TreatmentSession]:
        """Every session of the patient in full, oldest first."""
        with self._uow() as uow:
            return uow.sessions.for_patient(patient_id)
