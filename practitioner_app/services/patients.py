"""Registering, changing, finding and listing patients."""

from __future__ import annotations

import dataclasses

from ..domain.audit import Action
from ..domain.codec import to_plain
from ..domain.errors import DuplicatePatientNumber, NotFound, Problem, ValidationError
from ..domain.ids import PatientId
from ..domain.patient import Patient, PatientRow
from ..domain.validation import errors_only, validate_patient
from ..persistence.repositories import VersionConflict
from .base import Service
from .stale_records import stale_record

#: The audit actions that change a patient's own record.
_PATIENT_CHANGES = (Action.PATIENT_CREATED, Action.PATIENT_CHANGED, Action.PATIENT_ARCHIVED)


def field_changes(before: Patient, after: Patient) -> list[dict]:
    """[{field, old, new}] for every field that differs, values as exported."""
    old, new = to_plain(before), to_plain(after)
    return [{"field": k, "old": old[k], "new": new[k]} for k in old if old[k] != new[k]]


class PatientService(Service):
    def check(self, patient: Patient) -> list[Problem]:
        """Every error and caution for `patient`, without saving anything."""
        return validate_patient(patient, self._today())

    def register(self, patient: Patient) -> Patient:
        """Save a new patient and return it with its id. A blank number gets the next free one.

        Registrations queue one behind the other (the audit chain's lock, taken before the
        number is chosen or checked), so two workstations registering at once never get
        the same number. Raises ValidationError (nothing saved) or DuplicatePatientNumber.
        """
        with self._uow() as uow:
            uow.audit.hold_chain()
            if not patient.number.strip():
                patient = dataclasses.replace(patient, number=uow.patients.next_number())
            self._refuse_invalid(patient)
            if uow.patients.id_for_number(patient.number) is not None:
                raise DuplicatePatientNumber(
                    f"Patient number {patient.number} is already used by another patient.")
            patient_id = uow.patients.add(patient, self._clock())
            version = uow.patients.get(patient_id).version
            self._audit(uow, Action.PATIENT_CREATED, patient_id=patient_id,
                        number=patient.number)
            uow.commit()
        return dataclasses.replace(patient, id=patient_id, version=version)

    def update(self, patient: Patient) -> Patient:
        """Save changes to an existing patient, read at `patient.version`; returns it at
        its new version. Raises ValidationError, NotFound, DuplicatePatientNumber, or
        StaleRecord when the patient was changed elsewhere since it was read (naming who
        and when); on any of them nothing changes."""
        if patient.id is None:
            raise NotFound("This patient has not been registered yet.")
        self._refuse_invalid(patient)
        try:
            with self._uow() as uow:
                version = self._update(uow, patient)
                uow.commit()
        except VersionConflict:
            raise self._stale(patient.id) from None
        return dataclasses.replace(patient, version=version)

    def _update(self, uow, patient: Patient) -> int:
        uow.audit.hold_chain()  # no other change between the checks below and the write
        before = uow.patients.get(patient.id)
        if before is None:
            raise NotFound(f"No patient with id {patient.id}.")
        if before.version != patient.version:
            raise VersionConflict(f"patient {patient.id}")
        owner = uow.patients.id_for_number(patient.number)
        if owner is not None and owner != patient.id:
            raise DuplicatePatientNumber(
                f"Patient number {patient.number} is already used by another patient.")
        if before.number != patient.number and any(
                s.is_signed for s in uow.sessions.for_patient(patient.id)):
            # The number is part of what each signature covers (and is printed on the
            # signed pages): changing it would make every signed record fail.
            raise ValidationError([Problem(
                "number", f"Patient number {before.number} is on this patient's signed "
                          "records and cannot change.")])
        version = uow.patients.update(patient, self._clock())
        self._audit(uow, Action.PATIENT_CHANGED, patient_id=patient.id,
                    changes=field_changes(before, patient))
        return version

    def archive(self, patient_id: PatientId, reason: str,
                version: int | None = None) -> Patient:
        """Hide the patient from the default list, with a reason. Nothing is erased: the
        record stays viewable and printable (health records are kept for years). With
        `version`, the patient must not have changed elsewhere since it was read at that
        version (else StaleRecord)."""
        if not reason.strip():
            raise ValidationError([Problem("archive_reason", "Reason for archiving is "
                                                             "required.")])
        try:
            with self._uow() as uow:
                uow.audit.hold_chain()
                before = uow.patients.get(patient_id)
                if before is None:
                    raise NotFound(f"No patient with id {patient_id}.")
                if version is not None and before.version != version:
                    raise VersionConflict(f"patient {patient_id}")
                archived = dataclasses.replace(before, archived_at=self._clock(),
                                               archive_reason=reason)
                archived = dataclasses.replace(
                    archived, version=uow.patients.update(archived, self._clock()))
                self._audit(uow, Action.PATIENT_ARCHIVED, patient_id=patient_id,
                            reason=reason)
                uow.commit()
        except VersionConflict:
            raise self._stale(patient_id) from None
        return archived

    def _stale(self, patient_id: PatientId):
        """The StaleRecord for a patient changed elsewhere, read in a new transaction."""
        with self._uow() as uow:
            return stale_record(uow, "patient", _PATIENT_CHANGES, patient_id=patient_id,
                                updated_at=uow.patients.updated_at(patient_id))

    def _refuse_invalid(self, patient: Patient) -> None:
        errors = errors_only(self.check(patient))
        if errors:
            raise ValidationError(errors)

    def get(self, patient_id: PatientId) -> Patient:
        with self._uow() as uow:
            patient = uow.patients.get(patient_id)
        if patient is None:
            raise NotFound(f"No patient with id {patient_id}.")
        return patient

    def get_by_number(self, number: str) -> Patient:
        with self._uow() as uow:
            patient_id = uow.patients.id_for_number(number)
            patient = None if patient_id is None else uow.patients.get(patient_id)
        if patient is None:
            raise NotFound(f"No patient with patient number {number!r}.")
        return patient

    def search(self, query: str, limit: int | None = None,
               include_archived: bool = False) -> list[PatientId]:
        """Ids of patients matching every word of `query` in name or number, by name;
        archived patients only when asked for."""
        with self._uow() as uow:
            return uow.patients.search_ids(query, limit, include_archived)

    def rows(self, ids: list[PatientId]) -> list[PatientRow]:
        with self._uow() as uow:
            return uow.patients.rows(ids)

    def suggest_number(self) -> str:
        with self._uow() as uow:
            return uow.patients.next_number()
