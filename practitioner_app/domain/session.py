"""A treatment session, its steps in procedure order, and one row per treated zone.

Step times are clinic wall-clock times on the session's date. `None` means "not
recorded", never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from .enums import Bleeding, DeviceType, FacialZone, Oedema, SessionStatus, Tolerance
from .ids import PatientId, SessionId
from .screening import ScreenAnswer
from .signing import Addendum, Signature


@dataclass(frozen=True, slots=True)
class PreTreatmentChecks:
    sun_avoided: bool = False
    retinoids_paused: bool = False
    no_waxing: bool = False
    skin_clean: bool = False
    consent_signed: bool = False
    photo_consent: bool = False
    baseline_photos: bool = False
    done_at: time | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Cleansing:
    product: str = ""
    antiseptic: str = ""
    done_at: time | None = None


@dataclass(frozen=True, slots=True)
class Numbing:
    used: bool = True
    agent: str = ""
    lot: str = ""
    applied_at: time | None = None
    removed_at: time | None = None
    not_used_reason: str = ""
    expiry: date | None = None

    @property
    def contact_minutes(self) -> int | None:
        """Minutes between application and removal, when both were recorded."""
        if self.applied_at is None or self.removed_at is None:
            return None
        start = self.applied_at.hour * 60 + self.applied_at.minute
        end = self.removed_at.hour * 60 + self.removed_at.minute
        return end - start


@dataclass(frozen=True, slots=True)
class ZoneTreatment:
    """One treated zone. Depth in millimetres; RF fields only for RF devices."""

    zone: FacialZone
    depth_mm: float
    passes: int
    speed: str = ""
    technique: str = ""
    erythema: int | None = None
    bleeding: Bleeding | None = None
    oedema: Oedema | None = None
    rf_energy: str = ""
    rf_pulse_ms: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Needling:
    device_type: DeviceType | None = None
    device_make: str = ""
    device_model: str = ""
    device_serial: str = ""
    cartridge_needles: int | None = None
    cartridge_lot: str = ""
    cartridge_expiry: date | None = None
    single_use_confirmed: bool = False
    started_at: time | None = None
    zones: tuple[ZoneTreatment, ...] = ()


@dataclass(frozen=True, slots=True)
class Serum:
    product: str = ""
    lot: str = ""
    amount: str = ""
    done_at: time | None = None
    expiry: date | None = None


@dataclass(frozen=True, slots=True)
class Sunscreen:
    product: str = ""
    spf: int | None = None
    deferred: bool = False
    deferred_reason: str = ""
    done_at: time | None = None


@dataclass(frozen=True, slots=True)
class Aftercare:
    given: bool = False
    instructions: str = ""
    next_appointment: date | None = None
    #: Time of the next appointment; only with a date.
    next_appointment_time: time | None = None
    done_at: time | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    tolerance: Tolerance | None = None
    adverse_events: str = ""
    total_minutes: int | None = None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class TreatmentSession:
    """One visit's record, every step in the order the procedure happens."""

    session_date: date
    practitioner_name: str
    practitioner_role: str = ""
    status: SessionStatus = SessionStatus.DRAFT
    pre_checks: PreTreatmentChecks = field(default_factory=PreTreatmentChecks)
    cleansing: Cleansing = field(default_factory=Cleansing)
    numbing: Numbing = field(default_factory=Numbing)
    needling: Needling = field(default_factory=Needling)
    serum: Serum = field(default_factory=Serum)
    sunscreen: Sunscreen = field(default_factory=Sunscreen)
    aftercare: Aftercare = field(default_factory=Aftercare)
    outcome: Outcome = field(default_factory=Outcome)
    screen: tuple[ScreenAnswer, ...] = ()
    #: The course this session belongs to (the patient's course number), if any.
    course_number: int | None = None
    interval_override_reason: str = ""
    expired_lot_reason: str = ""
    signature: Signature | None = None
    addenda: tuple[Addendum, ...] = ()
    id: SessionId | None = field(default=None, compare=False)
    patient_id: PatientId | None = field(default=None, compare=False)
    #: The stored row's version when this was read (0: never stored); not signed, not
    #: exported: it only tells whether the row changed since (see Patient.version).
    version: int = field(default=0, compare=False, repr=False)

    @property
    def is_signed(self) -> bool:
        return self.signature is not None

    @property
    def deepest_mm(self) -> float | None:
        return max((z.depth_mm for z in self.needling.zones), default=None)


# Steps in procedure order: (attribute on TreatmentSession, heading a clinician reads).
STEPS: tuple[tuple[str, str], ...] = (
    ("pre_checks", "Pre-treatment checks"),
    ("cleansing", "Cleansing"),
    ("numbing", "Numbing"),
    ("needling", "Microneedling"),
    ("serum", "Serum"),
    ("sunscreen", "Sunscreen"),
    ("aftercare", "Aftercare"),
    ("outcome", "Tolerance and notes"),
)


@dataclass(frozen=True, slots=True)
class SessionRow:
    """What a patient's session list shows."""

    id: SessionId
    session_date: date
    status: SessionStatus
    device_type: DeviceType | None
    zone_count: int
    deepest_mm: float | None
    practitioner_name: str
