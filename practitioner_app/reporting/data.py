"""What each document is built from: plain, frozen data, gathered by the services.

Nothing here reads a clock or a database: `generated_at` is the moment the caller says
the document was produced, so the same data always gives the same PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.patient import Patient
from practitioner_app.domain.session import TreatmentSession
from practitioner_app.domain.signing import Consent


@dataclass(frozen=True, slots=True)
class SessionReportData:
    """One session's record. `session_number`/`session_count` print as "Session k of N"."""

    clinic: ClinicProfile
    patient: Patient
    session: TreatmentSession
    generated_at: datetime
    session_number: int | None = None
    session_count: int | None = None
    #: Set when a signed record's digest no longer matches: printed loudly on page 1.
    integrity_warning: str = ""
    #: The practitioner's professional registration number, printed in the sign-off of
    #: a record not yet signed electronically (a signature carries its own).
    practitioner_registration: str = ""


@dataclass(frozen=True, slots=True)
class PatientSummaryData:
    """A patient's details and their whole series; `sessions` oldest first."""

    clinic: ClinicProfile
    patient: Patient
    sessions: tuple[TreatmentSession, ...]
    generated_at: datetime
    #: One line per signed session whose digest no longer matches: printed on page 1.
    integrity_warnings: tuple[str, ...] = ()
    #: The patient's recorded consents, and the version of the clinic's treatment
    #: consent text now in force ("" when unknown): the summary states the consent status.
    consents: tuple[Consent, ...] = ()
    consent_version: str = ""

    def __post_init__(self) -> None:
        # Accept any sequence from callers but keep the record immutable.
        object.__setattr__(self, "sessions", tuple(self.sessions))
        object.__setattr__(self, "integrity_warnings", tuple(self.integrity_warnings))
        object.__setattr__(self, "consents", tuple(self.consents))


@dataclass(frozen=True, slots=True)
class AftercareSheetData:
    """The sheet handed to the patient after `session`."""

    clinic: ClinicProfile
    patient: Patient
    session: TreatmentSession
    generated_at: datetime
    #: Set when the signed session no longer matches its signature: printed on top.
    integrity_warning: str = ""
