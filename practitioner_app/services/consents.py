"""Consents recorded per patient: treatment consent (with the version of the consent
text) and photo consent, each dated and witnessed."""

from __future__ import annotations

import dataclasses

from ..domain import guidance as g
from ..domain.audit import Action
from ..domain.errors import NotFound, Problem, ValidationError
from ..domain.ids import PatientId
from ..domain.signing import Consent, consent_hash
from .base import Service

KINDS = ("treatment", "photo")
VERSION_KEY = "consent.treatment_version"
DEFAULT_VERSION = "1"


class ConsentService(Service):
    def current_version(self) -> str:
        """The version of the clinic's treatment consent text that is in force."""
        with self._uow() as uow:
            return uow.settings.get(VERSION_KEY) or DEFAULT_VERSION

    def set_current_version(self, version: str) -> None:
        self._require_admin()
        if not version.strip() or len(version) > 40:
            raise ValidationError([Problem("version", "Consent text version must be 1–40 "
                                                      "characters, e.g. 2026-11 or 3.")])
        with self._uow() as uow:
            uow.settings.put(VERSION_KEY, version.strip())
            uow.commit()

    def record(self, patient_id: PatientId, consent: Consent) -> Consent:
        problems = []
        if consent.kind not in KINDS:
            problems.append(Problem("kind", "Consent kind must be one of: treatment, photo."))
        if consent.consent_date > self._today():
            problems.append(Problem("consent_date", "Consent date cannot be in the future."))
        if not consent.witnessed_by.strip():
            problems.append(Problem("witnessed_by", "Witnessed by is required."))
        if not consent.text_version.strip() or len(consent.text_version) > 40:
            problems.append(Problem("text_version", "Consent text version is required "
                                                    "(1–40 characters)."))
        if len(consent.witnessed_by) > g.NAME_MAX:
            problems.append(Problem("witnessed_by", f"Witnessed by may hold at most "
                                                    f"{g.NAME_MAX} characters."))
        if problems:
            raise ValidationError(problems)
        consent = dataclasses.replace(consent, recorded_by=self._actor.name)
        with self._uow() as uow:
            if uow.patients.get(patient_id) is None:
                raise NotFound(f"No patient with id {patient_id}.")
            # The audit entry holds the consent's content hash and the row names the
            # entry: `check` finds a consent written without it, or changed since.
            now = self._clock()
            entry = self._audit(uow, Action.CONSENT_RECORDED, patient_id=patient_id,
                                kind=consent.kind, version=consent.text_version,
                                content=consent_hash(patient_id, consent, now))
            saved = uow.consents.add(patient_id, consent, now, entry.id)
            uow.commit()
        return saved

    def for_patient(self, patient_id: PatientId) -> list[Consent]:
        with self._uow() as uow:
            return uow.consents.for_patient(patient_id)

    def has_valid_treatment_consent(self, patient_id: PatientId) -> bool:
        """True when a treatment consent on the current consent text is recorded."""
        version = self.current_version()
        return any(c.kind == "treatment" and c.text_version == version
                   for c in self.for_patient(patient_id))
