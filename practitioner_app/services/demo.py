"""Synthetic demonstration records: realistic, reproducible and fast to write.

`generate_records` is pure: the same seed, first number, guidance and day give the same
patients and sessions. Every session it makes passes `validate_session` without errors and
keeps each depth within the zone's typical range, so the demo shows no depth warnings.

`DemoService.generate` writes them with one executemany per table and batch, in one
transaction, each value through its column type's bind processor (so rows are stored
exactly as an ORM save stores them): ORM objects per row would take minutes for 10,000
patients (PITFALLS 7), and SQLAlchemy's per-row parameter handling cost a third more.
The audit trail of ten years of use (about ten entries per session) is spilled in sorted
runs to temporary files and merged back in time order, so memory stays flat at 50,000
patients; the protective triggers stay in place throughout (sessions are signed by an
UPDATE after their rows are in, as the app signs).
"""

from __future__ import annotations

import base64
import bisect
import dataclasses
import functools
import heapq
import itertools
import operator
import pickle
import random
import secrets
import tempfile
import time as clock_time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

from sqlalchemy import func, select

from ..domain.accounts import User, validate_account
from ..domain.audit import GENESIS, Action, canonical_details, entry_hash
from ..domain.clinic import ClinicProfile
from ..domain.codec import DATABASE_FIELDS, to_plain
from ..domain.course import DEFAULT_MIN_INTERVAL_DAYS, Course, CourseStatus
from ..domain.enums import (
    Bleeding,
    Concern,
    DeviceType,
    FacialZone,
    Fitzpatrick,
    Oedema,
    SessionStatus,
    Sex,
    Tolerance,
)
from ..domain.errors import PermissionDenied, ValidationError
from ..domain.guidance import DEFAULT_ZONE_GUIDANCE, ZoneGuidance
from ..domain.patient import Patient
from ..domain.screening import DEFAULT_RULES, ScreenAnswer, answers_for
from ..domain.session import (
    Aftercare,
    Cleansing,
    Needling,
    Numbing,
    Outcome,
    PreTreatmentChecks,
    Serum,
    Sunscreen,
    TreatmentSession,
    ZoneTreatment,
)
from ..domain.signing import (
    Addendum,
    Consent,
    Signature,
    addendum_hash,
    consent_hash,
    make_signature,
    signature_details,
)
from ..persistence.mapping import (
    patient_row_values,
    screen_row_values,
    session_row_values,
    zone_row_values,
)
from ..persistence.models import (
    AddendumRecord,
    AuditRecord,
    ConsentRecord,
    CourseRecord,
    PatientRecord,
    ScreenAnswerRecord,
    SessionRecord,
    ZoneRecord,
)
from . import accounts
from .base import Service
from .clinic import validate_clinic
from .consents import DEFAULT_VERSION as DEFAULT_CONSENT_VERSION
from .consents import VERSION_KEY as CONSENT_VERSION_KEY
from .demo_names import CULTURES

#: Every demo patient's assessment starts with this.
DEMO_MARK = "Demo record (synthetic)"

# --- The clinic ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoPractitioner:
    """A demo clinician: their account, and the name and role their sessions carry."""

    username: str
    full_name: str
    role: str
    registration: str

    @property
    def printed_name(self) -> str:
        return User(0, self.username, self.full_name, self.role, self.registration,
                    False, True).printed_name


PRACTITIONERS = (
    DemoPractitioner("amelia.hart", "Dr Amelia Hart", "Aesthetic doctor, clinical lead",
                     "GMC 7012345"),
    DemoPractitioner("sofia.nikolaou", "Σοφία Νικολάου", "Aesthetic nurse prescriber",
                     "NMC 09A1234E"),
    DemoPractitioner("m.wisniewska", "Małgorzata Wiśniewska", "Aesthetic nurse",
                     "NMC 12B5678W"),
    DemoPractitioner("s.orlova", "Светлана Орлова", "Dermatology nurse specialist",
                     "NMC 15C9012O"),
    DemoPractitioner("tomas.ibanez", "Dr Tomás Ibáñez", "Consultant dermatologist",
                     "GMC 6123456"),
    DemoPractitioner("priya.nair", "Priya Nair", "Aesthetic practitioner (Level 7)", ""),
)
#: The letterhead a demo database gets when it has none; the name says it is not a clinic.
DEMO_CLINIC = ClinicProfile(
    name="Lindenbrook Skin Clinic (demo data)",
    address="14 Harbour Street\nBrighton BN1 2AB\nUnited Kingdom",
    phone="+44 1632 960123",
    email="hello@lindenbrook.example",
)

# --- Vocabulary -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _DeviceModel:
    device_type: DeviceType
    make: str
    model: str
    needles: int
    serial_prefix: str
    speeds: tuple[str, ...]
    techniques: tuple[str, ...]


_DEVICE_MODELS = (
    _DeviceModel(DeviceType.DERMAROLLER, "Dermaroller GmbH", "C8", 192, "", ("",),
                 ("Vertical, horizontal and diagonal passes",)),
    _DeviceModel(DeviceType.DERMAROLLER, "MTS", "Roller 540", 540, "", ("",),
                 ("Vertical, horizontal and diagonal passes",)),
    _DeviceModel(DeviceType.PEN, "Dermapen", "4", 16, "DP4-", ("6", "8", "10", "12"),
                 ("Stamping", "Spiral", "Linear, cross-hatched")),
    _DeviceModel(DeviceType.PEN, "SkinPen", "Precision", 14, "SP-", ("6", "8", "10"),
                 ("Linear, cross-hatched", "Small circles")),
    _DeviceModel(DeviceType.RF, "InMode", "Morpheus8", 24, "M8-", ("",),
                 ("Single stamp per site", "Stacked pulses, 2 levels")),
    _DeviceModel(DeviceType.RF, "Cutera", "Secret RF", 25, "SRF-", ("",),
                 ("Single stamp per site",)),
    _DeviceModel(DeviceType.AUTOMATED, "Amiea med", "Exceed", 6, "EX-", ("Level 3", "Level 4"),
                 ("Linear, cross-hatched", "Stamping")),
    _DeviceModel(DeviceType.AUTOMATED, "Rejuvapen", "NXT", 18, "RJ-", ("Medium", "High"),
                 ("Spiral", "Linear, cross-hatched")),
)

_ZONES_FOR_CONCERN = {
    Concern.ACNE_SCARS: (FacialZone.ACNE_SCARS, FacialZone.CHEEKS),
    Concern.SURGICAL_SCARS: (FacialZone.CHIN_JAW,),
    Concern.FINE_LINES: (FacialZone.FOREHEAD, FacialZone.PERIORBITAL, FacialZone.PERIORAL),
    Concern.ENLARGED_PORES: (FacialZone.NOSE, FacialZone.CHEEKS),
    Concern.TEXTURE_TONE: (FacialZone.FOREHEAD, FacialZone.CHEEKS, FacialZone.CHIN_JAW),
    Concern.HYPERPIGMENTATION: (FacialZone.CHEEKS, FacialZone.FOREHEAD),
    Concern.SUN_DAMAGE: (FacialZone.CHEEKS, FacialZone.NECK, FacialZone.FOREHEAD),
    Concern.OTHER: (FacialZone.NECK,),
}
_GOALS = {
    Concern.ACNE_SCARS: "Softer rolling and boxcar scars",
    Concern.SURGICAL_SCARS: "Flatter, less visible scar",
    Concern.FINE_LINES: "Fewer fine lines around eyes and mouth",
    Concern.ENLARGED_PORES: "Smaller-looking pores",
    Concern.TEXTURE_TONE: "Smoother texture, more even tone",
    Concern.HYPERPIGMENTATION: "Fading of pigmented patches",
    Concern.SUN_DAMAGE: "Improved sun-damaged skin",
    Concern.OTHER: "Improve stretch marks",
}
_MEDICAL = ("None relevant", "Well-controlled asthma", "Hypothyroidism, stable",
            "History of cold sores; antiviral prophylaxis discussed",
            "Keloid scar on left shoulder (2015); test spot done")
_MEDICATIONS = ("None", "Levothyroxine 50 µg daily", "Combined oral contraceptive",
                "Salbutamol inhaler as needed", "Sertraline 50 mg daily")
_NO_NUMBING_ALLERGY = "Topical lidocaine (rash)"
_ALLERGIES = ("None known", "None known", "Penicillin", "Nickel", "Latex", _NO_NUMBING_ALLERGY)
_STREETS = ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane")
_TOWNS = ("London", "Manchester", "Bristol", "Leeds", "Brighton")

_NUMBING_AGENTS = ("EMLA 5%", "BLT 20/6/4%", "Lidocaine 4%", "Lidocaine 5%")
_CLEANSERS = ("Gentle foaming cleanser", "Micellar water", "Chlorhexidine 0.05% wash")
_ANTISEPTICS = ("Chlorhexidine 0.05%", "Isopropyl alcohol 70%", "")
_SERUMS = (("Hyaluronic acid 1%", "2 ml"), ("Polynucleotide serum", "1.5 ml"),
           ("Exosome serum", "2 ml"), ("Panthenol 5% soothing serum", "2 ml"))
_SUNSCREENS = (("Heliocare 360 Mineral Tolerance Fluid", 50), ("Anthelios UVMune 400", 50),
               ("Avène Intense Protect", 50), ("Ultrasun Face", 30))
_AFTERCARE = "Standard aftercare sheet v3 given and explained"
_ADVERSE = ("None", "None", "None", "None", "None", "None", "None",
            "Transient pinpoint bleeding, settled with pressure", "Mild bruising, left cheek")
_SESSION_NOTES = ("Good endpoint", "Even erythema achieved", "Patient pleased with progress", "")



class _Weighted:
    """A fixed weighted choice. `random.choices` rebuilds the cumulative weights on every
    call, which dominated the run time at 50,000 sessions."""

    def __init__(self, options, weights) -> None:
        self._options = tuple(options)
        self._cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random):
        return self._options[bisect.bisect(self._cumulative, rng.random() * self._cumulative[-1])]


_CULTURE = _Weighted(CULTURES, [c.weight for c in CULTURES])
#: The lead and the nurses see most patients; the consultant fewer.
_PRACTITIONER = _Weighted(PRACTITIONERS, (22, 20, 20, 16, 10, 12))
_SEX = _Weighted((Sex.FEMALE, Sex.MALE, Sex.OTHER, Sex.NOT_STATED), (74, 22, 2, 2))
_FITZPATRICK = _Weighted(Fitzpatrick, (5, 20, 30, 25, 12, 8))
_ALL_CONCERNS = tuple(Concern)
_ALL_ZONES = tuple(FacialZone)
_CONCERN_COUNT = _Weighted((1, 2, 3), (5, 4, 1))
_ERYTHEMA = _Weighted((1, 2, 3, 4), (15, 45, 35, 5))
_BLEEDING = _Weighted(Bleeding, (40, 50, 10))
_OEDEMA = _Weighted(Oedema, (35, 50, 13, 2))
_TOLERANCE = _Weighted(Tolerance, (80, 17, 3))
# 1–8 sessions per patient, mean about 5 (a course of 3–6 plus some maintenance).
_SESSION_COUNT = _Weighted(range(1, 9), (4, 6, 10, 16, 20, 18, 14, 12))
# Fixed cadences rather than coin tosses, so even a small demo shows each state: one
# patient in 20 has a last visit still being written up (a draft), one in 25 (others) a
# last visit completed but not yet signed. Every other past session is signed.
_DRAFT_EVERY = 20
_UNSIGNED_EVERY = 25
_MIN_INTERVAL_DAYS, _MAX_INTERVAL_DAYS = 28, 42
#: A signed session at least 10 days old has an addendum now and then.
_ADDENDUM_CHANCE = 1 / 40
_ADDENDA = (
    ("Late entry", "Patient phoned on day 3: mild flaking as expected, no sign of "
                   "infection. Advised to continue the aftercare."),
    ("Follow-up", "Review photo received by email on day 7: erythema resolved."),
    ("Late entry", "Patient reported a small cold sore on day 2; advised to see their GP "
                   "for antiviral treatment. Prophylaxis to be discussed before the next "
                   "session."),
    ("Correction", "Serum lot number checked against the box: as recorded. Amount used was "
                   "1.5 ml; the rest was discarded."),
)
#: An open course with no session for longer than this was stopped (or the patient left).
_OPEN_WITHIN_DAYS = 75
#: How many years of use the demo clinic shows by default.
DEFAULT_YEARS = 10
#: Most patients still come (their latest course is open); the others stopped coming.
_STAYING = 0.85
#: Maintenance visits are at least this many days apart.
_MAINTENANCE_MIN_DAYS = 35
_STOPPED_REASONS = ("Did not rebook after two reminders", "Patient chose to pause treatment",
                    "Moved away from the area", "Pregnancy; treatment deferred")
#: One in 3 patients not seen for 150 days is archived, some weeks after their last visit.
_ARCHIVE_AFTER_DAYS, _ARCHIVE_CHANCE = 150, 1 / 3
_ARCHIVE_REASONS = ("Moved abroad; records kept for the retention period",
                    "Transferred to another clinic at the patient's request",
                    "Patient asked to stop treatment and not be contacted",
                    "Duplicate registration; see the patient's other record")


# --- Generation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoRecord:
    """One demo patient and everything the clinic recorded about them, as the app stores
    it: sessions oldest first (signed ones with their signature and addenda), courses by
    number, consents in the order given."""

    patient: Patient
    registered_at: datetime
    practitioner: DemoPractitioner
    sessions: list[TreatmentSession]
    courses: list[Course]
    consents: list[Consent]


#: Audit actions about an account, not a patient.
_ACCOUNT_ACTIONS = frozenset({Action.SIGN_IN, Action.SIGN_IN_FAILED, Action.LOCKED,
                              Action.UNLOCKED})


def generate_records(
    count: int, seed: int, first_number: int, today: date | datetime,
    guidance: Sequence[ZoneGuidance] = DEFAULT_ZONE_GUIDANCE,
    sessions_per_patient: int | None = None,
    consent_version: str = DEFAULT_CONSENT_VERSION,
    years: int = DEFAULT_YEARS,
) -> Iterator[DemoRecord]:
    """`count` patients numbered P{first_number:06d} upwards, registered one after the
    other over the `years` before `today` (numbers in order of registration, as the app
    gives them), each with its sessions (oldest first, none after `today`), courses and
    consents. Deterministic for the same arguments. `today` may be the current time:
    nothing is then dated after it.

    Each patient has 1–8 sessions (5.1 on average), or, with `sessions_per_patient` M,
    1 to 2M−1 sessions, M on average (fewer for patients registered too recently to have
    had them all): a planned course 4–6 weeks apart, then maintenance sessions months
    apart. Most patients still come, so their latest course is open; the others' courses
    are completed or stopped, and some of them are archived. Every past session is signed
    by its practitioner with the app's digest (session_digest), except the drafts and one
    patient in 25's latest session."""
    now = today if isinstance(today, datetime) else datetime.combine(today, time(23, 59))
    today = now.date()
    rng = random.Random(seed)
    units = _device_units(rng)
    by_zone = {g.zone: g for g in guidance}
    opened = datetime.combine(today - timedelta(days=365 * years), time(8, 0))
    # Registrations spread evenly from the clinic's first week to a week ago, each within
    # its own slot so that numbers follow the order of registration.
    slot = (now - timedelta(days=7) - (opened + timedelta(days=7))) / max(count, 1)
    for offset in range(count):
        registered = _office_hours(opened + timedelta(days=7) + slot * (offset + rng.random()))
        planned = rng.randint(3, 6)
        patient = _patient(rng, f"P{first_number + offset:06d}", registered.date(), planned)
        has_draft = offset % _DRAFT_EVERY == _DRAFT_EVERY // 2
        leave_unsigned = not has_draft and offset % _UNSIGNED_EVERY == 3
        n = (_SESSION_COUNT.pick(rng) if sessions_per_patient is None
             else rng.randint(1, 2 * sessions_per_patient - 1))
        practitioner = _PRACTITIONER.pick(rng)
        photo = rng.random() < 0.88
        stays = has_draft or rng.random() < _STAYING
        sessions, courses = _series(rng, patient, registered, today, units, by_zone,
                                    has_draft, n, practitioner, planned, photo, stays)
        last = len(sessions) - 1
        sessions = [s if s.status is SessionStatus.DRAFT or (leave_unsigned and k == last)
                    else _signed(rng, patient.number, s, practitioner, now)
                    for k, s in enumerate(sessions)]
        patient = _maybe_archived(rng, patient, sessions, courses, now)
        consents = [Consent("treatment", consent_version, registered.date(),
                            practitioner.full_name, practitioner.username)]
        if photo:
            consents.append(Consent("photo", consent_version, registered.date(),
                                    practitioner.full_name, practitioner.username))
        yield DemoRecord(patient, registered, practitioner, sessions, courses, consents)


def _office_hours(moment: datetime) -> datetime:
    """`moment`'s day, with its time of day folded into 08:00–17:00 (order kept)."""
    into_day = (moment - datetime.combine(moment.date(), time(0))) / timedelta(days=1)
    return datetime.combine(moment.date(), time(8)) + timedelta(
        minutes=int(into_day * 9 * 60))


def _device_units(rng: random.Random) -> list[tuple[_DeviceModel, str]]:
    """The clinic's devices: two units of each model, each with its serial number."""
    return [(m, f"{m.serial_prefix}{rng.randint(10000, 99999)}" if m.serial_prefix else "")
            for m in _DEVICE_MODELS for _ in range(2)]


def _patient(rng: random.Random, number: str, registered: date, planned: int) -> Patient:
    sex = _SEX.pick(rng)
    is_male = sex is Sex.MALE or (sex is not Sex.FEMALE and rng.random() < 0.5)
    full_name = _CULTURE.pick(rng).name(rng, is_male)
    concerns = frozenset(rng.sample(_ALL_CONCERNS, _CONCERN_COUNT.pick(rng)))
    age_days = rng.randint(18 * 365 + 5, 75 * 365)  # at registration
    return Patient(
        number=number,
        full_name=full_name,
        date_of_birth=registered - timedelta(days=age_days),
        sex=sex,
        fitzpatrick=_FITZPATRICK.pick(rng),
        phone=f"+44 7700 900{rng.randint(0, 999):03d}",
        email=f"{number.lower()}@example.org" if rng.random() < 0.8 else "",
        address=f"{rng.randint(1, 180)} {rng.choice(_STREETS)}\n{rng.choice(_TOWNS)}",
        concerns=concerns,
        concerns_other="Stretch marks (abdomen)" if Concern.OTHER in concerns else "",
        medical_history=rng.choice(_MEDICAL),
        medications=rng.choice(_MEDICATIONS),
        allergies=rng.choice(_ALLERGIES),
        goals="; ".join(_GOALS[c] for c in _ALL_CONCERNS if c in concerns),
        # Marked, so demo patients added to a real database can be told apart and removed.
        assessment=f"{DEMO_MARK}. Suitable for microneedling; contraindications reviewed",
        plan=f"Course of {planned} sessions, 4–6 weeks apart, then review",
    )


def _series(
    rng: random.Random, patient: Patient, registered: datetime, today: date,
    units: list[tuple[_DeviceModel, str]], by_zone: dict[FacialZone, ZoneGuidance],
    has_draft: bool, count: int, practitioner: DemoPractitioner, planned: int, photo: bool,
    stays: bool,
) -> tuple[list[TreatmentSession], list[Course]]:
    dates, first_course = _visit_dates(rng, registered.date(), today, count, planned,
                                       stays, has_draft)
    count = len(dates)
    unit = rng.choice(units)
    zones = _zones_for(rng, patient.concerns, by_zone)
    courses, course_of = _courses(rng, patient, dates, first_course, planned, has_draft,
                                  zones, today, stays)
    sessions = []
    for k, day in enumerate(dates):
        next_day = (dates[k + 1] if k + 1 < count
                    else day + timedelta(days=rng.randint(_MIN_INTERVAL_DAYS,
                                                          _MAX_INTERVAL_DAYS)))
        progress = k / (count - 1) if count > 1 else 0.5
        draft = has_draft and k == count - 1
        sessions.append(_session(rng, patient, day, next_day, progress, draft, unit,
                                 practitioner, zones, by_zone, course_of[k], photo))
    return sessions, courses


def _visit_dates(rng: random.Random, registered: date, today: date, count: int,
                 planned: int, stays: bool, has_draft: bool) -> tuple[list[date], int]:
    """The patient's visit days and how many of them the first (planned) course holds:
    the first visit up to two weeks after registering, the planned course 4–6 weeks
    apart, then maintenance visits months apart; for a patient who still comes, spread
    until a recent visit (today or a few days ago for a draft). Never after `today`,
    so a patient registered lately has had fewer visits."""
    day = min(registered + timedelta(days=rng.randint(1, 14)), today)
    first_course = min(count, planned)
    if stays and 1 < count <= planned:
        first_course = count - 1  # a shorter first course, then maintenance
    dates = [day]
    while len(dates) < first_course:
        day += timedelta(days=rng.randint(_MIN_INTERVAL_DAYS, _MAX_INTERVAL_DAYS))
        if day > today:
            break
        dates.append(day)
    first_course = len(dates)
    rest = count - first_course
    start = dates[-1] + timedelta(days=rng.randint(42, 120))
    if rest and stays:
        end = today - timedelta(days=rng.randint(0, 3) if has_draft else rng.randint(5, 70))
        room = (end - start).days
        rest = min(rest, 1 + room // _MAINTENANCE_MIN_DAYS) if room >= 0 else 0
        step = room / max(rest - 1, 1)
        dates += [start + timedelta(days=round(step * j)) for j in range(rest - 1)]
        if rest:
            dates.append(end)
    elif rest:
        day = start
        while rest and day <= today:
            dates.append(day)
            day += timedelta(days=rng.randint(60, 200))
            rest -= 1
    back = today - timedelta(days=rng.randint(0, 3))
    if has_draft and (back - dates[-1]).days >= _MAINTENANCE_MIN_DAYS:
        dates.append(back)  # back after a while
    return dates, first_course


def _courses(
    rng: random.Random, patient: Patient, dates: list[date], first_course: int,
    planned: int, has_draft: bool, zones: list[FacialZone], today: date, stays: bool,
) -> tuple[list[Course], list[int]]:
    """The patient's courses and each session's course number: the planned course first,
    then a maintenance course for the visits after it. The latest course is open while
    the patient still comes (or has a draft); otherwise, and for earlier courses,
    completed once every planned session was given, else stopped with a reason."""
    count = len(dates)
    spans = [(0, first_course, first_course if first_course < count else planned)]
    if count > first_course:
        given = count - first_course
        spans.append((first_course, count, given + rng.randint(1, 3) if stays else
                      rng.choice((given, given + rng.randint(1, 2)))))
    recent = (today - dates[-1]).days <= _OPEN_WITHIN_DAYS
    courses, course_of = [], []
    for number, (start, end, planned_here) in enumerate(spans, 1):
        status, reason = CourseStatus.COMPLETED, ""
        if number == len(spans) and (has_draft or (stays and recent)):
            status = CourseStatus.OPEN
        elif end - start < planned_here:
            status, reason = ((CourseStatus.OPEN, "") if number == len(spans) and recent else
                              (CourseStatus.STOPPED, rng.choice(_STOPPED_REASONS)))
        courses.append(Course(
            number, dates[start], planned_here, DEFAULT_MIN_INTERVAL_DAYS,
            indications=patient.concerns, target_zones=frozenset(zones),
            notes="Maintenance sessions" if number > 1 else "", status=status,
            stopped_reason=reason))
        course_of += [number] * (end - start)
    return courses, course_of


def _finished_at(session: TreatmentSession) -> datetime:
    """When the session's record was saved: after its last recorded step."""
    done = session.aftercare.done_at or session.needling.started_at or time(12, 0)
    return datetime.combine(session.session_date, done) + timedelta(minutes=5)


def _signed(rng: random.Random, number: str, session: TreatmentSession,
            practitioner: DemoPractitioner, now: datetime) -> TreatmentSession:
    """`session` signed by its practitioner soon after it was written, as SessionService
    signs: the signer's account details and the app's own digest of the record."""
    signed_at = min(_finished_at(session) + timedelta(minutes=rng.randint(5, 40)), now)
    signature = make_signature(number, _plain_session(session),
                               username=practitioner.username,
                               name=practitioner.full_name, role=practitioner.role,
                               registration=practitioner.registration,
                               signed_at=signed_at.replace(microsecond=0))
    addenda = ()
    if rng.random() < _ADDENDUM_CHANCE and (now.date() - session.session_date).days >= 10:
        reason, text = rng.choice(_ADDENDA)
        written = signed_at + timedelta(days=rng.randint(2, 9), minutes=rng.randint(0, 240))
        addenda = (Addendum(practitioner.username, practitioner.printed_name,
                            min(written, now).replace(microsecond=0), reason, text),)
    return dataclasses.replace(session, status=SessionStatus.SIGNED, signature=signature,
                               addenda=addenda)


_SESSION_FIELDS = tuple(f.name for f in dataclasses.fields(TreatmentSession)
                        if f.name not in DATABASE_FIELDS)


def _plain_session(session: TreatmentSession) -> dict:
    """`to_plain(session)`, what the digest is made of, made quicker: the all-No screen
    (the same tuple in nearly every session) converted once, and each value converted by
    its type's own rule, looked up once per type (`to_plain` asks every value what it is,
    which was most of the time spent signing 500,000 sessions); a type it does not know
    is left to `to_plain`. `to_plain` hands an already plain record back as it is, so the
    signing code digests this as it would the session, and `check` recomputes every
    digest from the stored rows with `to_plain` itself."""
    return {name: _SCREEN_ALL_NO_PLAIN if name == "screen" and session.screen is _SCREEN_ALL_NO
            else _plain(getattr(session, name)) for name in _SESSION_FIELDS}


def _plain(value):
    kind = type(value)
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(value)


def _converter(kind: type):
    if kind in (str, int, float, bool, type(None)):
        return _same
    if issubclass(kind, Enum):
        return operator.attrgetter("value")
    if kind in (date, time):
        return kind.isoformat
    if kind in (tuple, list):
        return lambda values: [_plain(v) for v in values]
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind)
                      if f.name not in DATABASE_FIELDS)
        return lambda record: {name: _plain(getattr(record, name)) for name in names}
    return to_plain


def _same(value):
    return value


_CONVERTERS: dict[type, object] = {}


def _maybe_archived(rng: random.Random, patient: Patient, sessions: list[TreatmentSession],
                    courses: list[Course], now: datetime) -> Patient:
    """A few patients who stopped coming are archived some weeks after their last visit."""
    away = (now.date() - sessions[-1].session_date).days
    if (away <= _ARCHIVE_AFTER_DAYS or any(c.status is CourseStatus.OPEN for c in courses)
            or rng.random() >= _ARCHIVE_CHANCE):
        return patient
    day = sessions[-1].session_date + timedelta(days=rng.randint(30, away - 1))
    return dataclasses.replace(
        patient, archived_at=datetime.combine(day, _clock_at(rng.randrange(9 * 60, 17 * 60, 5))),
        archive_reason=rng.choice(_ARCHIVE_REASONS))


#: The screen most demo patients give: every question answered No (answers are frozen, so
#: one tuple serves every session).
_SCREEN_ALL_NO = tuple(
    dataclasses.replace(a, present=False) for a in answers_for(DEFAULT_RULES))
_SCREEN_ALL_NO_PLAIN = to_plain(_SCREEN_ALL_NO)


def _zones_for(
    rng: random.Random, concerns: frozenset[Concern], by_zone: dict[FacialZone, ZoneGuidance],
) -> list[FacialZone]:
    wanted = {z for c in concerns for z in _ZONES_FOR_CONCERN[c]}
    if rng.random() < 0.5:
        wanted.add(rng.choice(_ALL_ZONES))
    # Procedure order of the face, top to bottom; only zones the clinic has guidance for.
    chosen = [z for z in _ALL_ZONES if z in wanted and z in by_zone]
    return chosen or [next(iter(by_zone))]


def _depth(rng: random.Random, guide: ZoneGuidance, progress: float) -> float:
    """A depth in the zone's typical range, deeper as the series goes on, in 0.05 mm steps."""
    lo, hi = guide.typical_min_mm, guide.typical_max_mm
    raw = lo + (hi - lo) * (0.2 + 0.6 * progress + rng.uniform(-0.2, 0.2))
    stepped = round(round(raw * 20) / 20, 2)
    return min(max(stepped, lo), hi)


def _zone(
    rng: random.Random, zone: FacialZone, device: _DeviceModel, depth: float,
) -> ZoneTreatment:
    rf = device.device_type is DeviceType.RF
    return ZoneTreatment(
        zone=zone, depth_mm=depth, passes=rng.randint(1, 3) if rf else rng.randint(2, 6),
        speed=rng.choice(device.speeds), technique=rng.choice(device.techniques),
        erythema=_ERYTHEMA.pick(rng), bleeding=_BLEEDING.pick(rng), oedema=_OEDEMA.pick(rng),
        rf_energy=f"Level {rng.randint(10, 40)}" if rf else "",
        rf_pulse_ms=float(rng.randrange(100, 801, 50)) if rf else None,
    )


_COLD_SORE_OVERRIDE = "Antiviral prophylaxis taken as prescribed; no active lesion"


def _clock_at(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _session(
    rng: random.Random, patient: Patient, day: date, next_day: date, progress: float,
    draft: bool, unit: tuple[_DeviceModel, str], practitioner: DemoPractitioner,
    zones: list[FacialZone], by_zone: dict[FacialZone, ZoneGuidance], course_number: int,
    photo_consent: bool,
) -> TreatmentSession:
    device, serial = unit
    start = rng.randrange(8 * 60 + 30, 17 * 60, 15)  # appointments on the quarter hour
    numbing_ok = patient.allergies != _NO_NUMBING_ALLERGY and rng.random() < 0.9
    contact = rng.randrange(20, 46, 5)
    needling_at = start + 15 + (contact if numbing_ok else 0)
    finished = needling_at + 5 * len(zones) + rng.randint(5, 15)
    rows = tuple(_zone(rng, z, device, _depth(rng, by_zone[z], progress)) for z in zones)
    if numbing_ok:
        numbing = Numbing(used=True, agent=rng.choice(_NUMBING_AGENTS),
                          lot=f"NB{rng.randint(1000, 9999)}", applied_at=_clock_at(start + 10),
                          removed_at=_clock_at(start + 10 + contact))
    else:
        reason = ("Allergy to topical anaesthetic" if patient.allergies == _NO_NUMBING_ALLERGY
                  else "Patient declined numbing")
        numbing = Numbing(used=False, not_used_reason=reason)
    screen = _SCREEN_ALL_NO
    if rng.random() < 0.05:  # now and then a history of cold sores, treated with cover
        screen = tuple(
            dataclasses.replace(a, present=True, override_reason=_COLD_SORE_OVERRIDE)
            if a.item.startswith("History of cold sores") else a for a in screen)
    # A draft is written up to the needling; the later steps are still to be entered.
    later = {} if draft else _later_steps(rng, device, finished, next_day, start)
    return TreatmentSession(
        session_date=day, practitioner_name=practitioner.full_name,
        practitioner_role=practitioner.role, course_number=course_number,
        status=SessionStatus.DRAFT if draft else SessionStatus.COMPLETED,
        pre_checks=PreTreatmentChecks(
            sun_avoided=True, retinoids_paused=True, no_waxing=True, skin_clean=True,
            consent_signed=True, photo_consent=photo_consent, baseline_photos=photo_consent,
            done_at=_clock_at(start)),
        cleansing=Cleansing(product=rng.choice(_CLEANSERS), antiseptic=rng.choice(_ANTISEPTICS),
                            done_at=_clock_at(start + 5)),
        numbing=numbing,
        needling=Needling(
            device_type=device.device_type, device_make=device.make, device_model=device.model,
            device_serial=serial, cartridge_needles=device.needles,
            cartridge_lot=f"L{day:%y%m}-{rng.randint(100, 999)}",
            cartridge_expiry=day + timedelta(days=rng.randint(180, 720)),
            single_use_confirmed=True, started_at=_clock_at(needling_at), zones=rows),
        screen=screen,
        **later,
    )


def _later_steps(
    rng: random.Random, device: _DeviceModel, at: int, next_day: date, start: int,
) -> dict:
    """Serum, sunscreen, aftercare and outcome, recorded from minute `at` of the day."""
    serum, amount = rng.choice(_SERUMS)
    defer = rng.random() < (0.5 if device.device_type is DeviceType.RF else 0.03)
    product, spf = rng.choice(_SUNSCREENS)
    sunscreen = (
        Sunscreen(deferred=True, deferred_reason="Deferred 24 h by protocol; SPF 50 from tomorrow")
        if defer else Sunscreen(product=product, spf=spf, done_at=_clock_at(at + 5)))
    return dict(
        serum=Serum(product=serum, lot=f"SR{rng.randint(1000, 9999)}", amount=amount,
                    done_at=_clock_at(at)),
        sunscreen=sunscreen,
        aftercare=Aftercare(given=True, instructions=_AFTERCARE, next_appointment=next_day,
                            done_at=_clock_at(at + 8)),
        outcome=Outcome(tolerance=_TOLERANCE.pick(rng), adverse_events=rng.choice(_ADVERSE),
                        total_minutes=at + 10 - start, notes=rng.choice(_SESSION_NOTES)),
    )


# --- Writing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What `DemoService.generate` wrote."""

    patients: int
    sessions: int
    zones: int
    first_number: str
    last_number: str
    seconds: float
    signed: int = 0
    addenda: int = 0
    courses: int = 0
    open_courses: int = 0
    consents: int = 0
    archived: int = 0
    #: Usernames of the practitioner accounts this run created, and their shared password
    #: (None when none were created).
    accounts: tuple[str, ...] = ()
    password: str | None = None


class DemoService(Service):
    def generate(self, patients: int, seed: int = 0,
                 sessions_per_patient: int | None = None, *, years: int = DEFAULT_YEARS,
                 administrator: tuple[str, str, str, str] | None = None) -> DemoResult:
        """Add `patients` synthetic patients with their sessions, courses and consents,
        all or nothing, as a clinic would have recorded them over the past `years`
        (1–30) of use.

        Numbers continue from the repository's next free number, so they never collide
        with existing patients. The same seed on the same day gives the same records.
        `sessions_per_patient` (1–50) sets the average series length (generate_records).

        The clinic's history comes first, dated when the clinic opened: with
        `administrator` (username, full name, role, password), a database without any
        account gets that administrator, signed in as create_first_admin signs in; a
        database without a clinic name gets DEMO_CLINIC's letterhead; one with accounts
        gets an account for each demo practitioner it lacks (one without accounts keeps
        none: the app's first start asks for its administrator). Then every record gets
        the audit entries years of use write (sign-ins and idle locks, saves, signatures,
        documents printed, consents, courses, addenda), by the practitioner and at the
        time each was done, tied as the app ties them, with one entry for the whole run
        by whoever ran it at the end. On a database whose trail is older than the
        history (an empty one, say), entry times rise with their ids.

        Rows are written in batches and the audit entries, spilled to temporary files in
        time order, are merged back: memory stays flat whatever the count.
        """
        if patients < 1:
            raise ValueError("patients must be at least 1")
        if sessions_per_patient is not None and not 1 <= sessions_per_patient <= 50:
            raise ValueError("sessions per patient must be 1–50")
        if not 1 <= years <= 30:
            raise ValueError("years must be 1–30")
        self._require_admin()  # synthetic records must never slip into a clinic unnoticed
        started = clock_time.perf_counter()
        now = self._clock()
        opened = datetime.combine(now.date() - timedelta(days=365 * years), time(8, 0))
        with self._uow() as uow:
            uow.audit.hold_chain()  # the whole run is one append to the chain
            history = _History(opened)
            if administrator is not None:
                self._administrator(uow, administrator, history)
            guidance = uow.settings.zone_guidance() or DEFAULT_ZONE_GUIDANCE
            version = uow.settings.get(CONSENT_VERSION_KEY) or DEFAULT_CONSENT_VERSION
            self._letterhead(uow, history)
            accounts, password = self._practitioner_accounts(uow, history)
            first = int(uow.patients.next_number()[1:])  # "P000042" -> 42
            records = generate_records(patients, seed, first, now, guidance,
                                       sessions_per_patient, version, years)
            written = _bulk_insert(uow, records, now, history.events, seed)
            self._audit(uow, Action.PATIENT_CREATED, demo=True, patients=patients,
                        sessions=written.sessions, first=f"P{first:06d}",
                        last=f"P{first + patients - 1:06d}")
            uow.commit()
        with self._uow() as uow:
            connection = uow.session.connection()
            if connection.dialect.name == "postgresql":
                # Planner statistics now: after a bulk write the server would otherwise
                # plan the first searches for nearly empty tables until autovacuum looks.
                connection.exec_driver_sql("ANALYZE")
                uow.commit()
        return dataclasses.replace(
            written, first_number=f"P{first:06d}", last_number=f"P{first + patients - 1:06d}",
            seconds=clock_time.perf_counter() - started, accounts=accounts, password=password)

    def _administrator(self, uow, administrator: tuple[str, str, str, str],
                       history: _History) -> None:
        """The clinic's first administrator, created when it opened and signed in, as
        AccountService.create_first_admin creates one; only in a database without any
        account."""
        username, full_name, role, password = administrator
        problems = validate_account(username, full_name, role, "", password)
        if problems:
            raise ValidationError(problems)
        if uow.users.count():
            raise PermissionDenied("This database already has an administrator.")
        at = history.next()
        user = uow.users.add(User(0, username, full_name, role, "", True, True),
                             accounts.password_hasher().hash(password), at)
        self._actor.user = user
        history.add(at, username, Action.ACCOUNT_CREATED, account=username, admin=True)

    def _letterhead(self, uow, history: _History) -> None:
        """DEMO_CLINIC's details where the clinic has no name yet, audited as the Clinic
        details window audits them; a clinic's own details are never replaced."""
        if uow.settings.get(_CLINIC_NAME_KEY).strip():
            return
        assert not validate_clinic(DEMO_CLINIC)
        history.add(history.next(), self._actor.name, Action.ACCOUNT_CHANGED,
                    settings="clinic profile",
                    fields=[f.name for f in dataclasses.fields(ClinicProfile)
                            if getattr(DEMO_CLINIC, f.name)])
        for f in dataclasses.fields(ClinicProfile):
            value = getattr(DEMO_CLINIC, f.name)
            if isinstance(value, bytes):  # the logo, stored as base64 text
                value = base64.b64encode(value).decode("ascii")
            uow.settings.put(f"{_CLINIC_KEY_PREFIX}{f.name}", value)

    def _practitioner_accounts(self, uow, history: _History
                               ) -> tuple[tuple[str, ...], str | None]:
        """An account for each demo practitioner the database lacks, sharing one new
        password, created when the clinic opened and audited as AccountService.add_user
        audits; none in a database without any account."""
        if uow.users.count() == 0:
            return (), None
        missing = [p for p in PRACTITIONERS if uow.users.record(p.username) is None]
        if not missing:
            return (), None
        password = secrets.token_urlsafe(12)
        # One hash serves them all: they share the password anyway (printed once), and
        # each hash costs 0.2-0.6 s by design. A changed password gets its own.
        hashed = accounts.password_hasher().hash(password)
        for p in missing:
            assert not validate_account(p.username, p.full_name, p.role, p.registration,
                                        password)
            at = history.next()
            uow.users.add(User(0, p.username, p.full_name, p.role, p.registration, False, True),
                          hashed, at)
            history.add(at, self._actor.name, Action.ACCOUNT_CREATED, account=p.username,
                        admin=False)
        return tuple(p.username for p in missing), password


class _History:
    """The clinic's first entries (accounts, letterhead), a few minutes apart from the
    morning it opened, before any patient registers."""

    def __init__(self, opened: datetime) -> None:
        self._at = opened
        self.events: list[tuple] = []

    def next(self) -> datetime:
        self._at += timedelta(minutes=3)
        return self._at

    def add(self, at: datetime, username: str, action: str, **details) -> None:
        self.events.append((at, username, action, None, None, canonical_details(details),
                            None))


_CLINIC_KEY_PREFIX = "clinic."  # ClinicService keeps each ClinicProfile field under it
_CLINIC_NAME_KEY = f"{_CLINIC_KEY_PREFIX}name"

#: Patients per executemany batch (and per sorted run of audit events spilled to a
#: temporary file): memory stays flat whatever the count, at the same speed.
_BATCH = 1000
#: Audit entries per executemany when the runs are merged.
_AUDIT_BATCH = 20_000
#: Events per pickled chunk of a run: what the merge holds per run at a time.
_CHUNK = 500
#: Runs kept in their own files before they are merged into one.
_MAX_RUNS = 64
_TABLES = (PatientRecord, SessionRecord, ZoneRecord, ScreenAnswerRecord, CourseRecord,
           ConsentRecord, AddendumRecord)
#: Where each Signature field is stored (as SigningRepository.sign stores it; None: not
#: by the demo, which imports nothing).
_SIGNATURE_COLUMNS = {"signer_username": "signer_username", "signer_name": "signer_name",
                      "signer_role": "signer_role",
                      "signer_registration": "signer_registration",
                      "signed_at": "signed_at", "digest": "digest", "rule": "digest_rule",
                      "imported": None}
_COURSE_FIELDS = ("number", "started_on", "planned_sessions", "min_interval_days",
                  "indications", "target_zones", "notes", "status", "stopped_reason")

#: An event: (at, username, action, patient_id, session_id, details as canonical JSON,
#: link), where link is None or (what it ties, the row naming the event's audit entry).
_CONSENT, _SIGNATURE, _ADDENDUM = "consent", "signature", "addendum"


def _bulk_insert(uow, records: Iterator[DemoRecord], now: datetime, first_events: list,
                 seed: int) -> DemoResult:
    """Insert every record's rows batch by batch, then append the audit trail of it all
    (`first_events`, then the records' events), oldest event first, writing the rows tied
    to their audit entries (consents, signatures, addenda) as their entries are appended;
    returns the counts written.

    Ids are assigned here, continuing from the highest in each table, so child rows can
    name their parents without a round trip per row. Sessions are inserted unsigned with
    their zone rows and screen answers, then signed by an UPDATE, as the app signs: the
    triggers refuse rows added to a signed session. Each batch's events are sorted by
    time and spilled to a temporary file; the files are merged into one chain. Everything
    runs in the caller's transaction, so a concurrent writer makes the whole insert fail,
    never interleave.
    """
    db = uow.session
    first_ids = {t: (db.scalar(select(func.max(t.id))) or 0) + 1 for t in _TABLES}
    next_ids = dict(first_ids)
    counts = dict.fromkeys(("signed", "open_courses", "archived"), 0)
    rng = random.Random(f"demo events {seed}")  # the events' own, records unchanged
    records = iter(records)
    with _Runs() as runs:
        runs.add(sorted(first_events, key=_AT))
        while batch := list(itertools.islice(records, _BATCH)):
            rows: dict[type, list[dict]] = {t: [] for t in _TABLES}
            events: list[tuple] = []
            for record in batch:
                _add_record(record, rows, next_ids, events, counts, now, rng)
            for table in (PatientRecord, SessionRecord, ZoneRecord, ScreenAnswerRecord,
                          CourseRecord):
                if rows[table]:
                    _insert_many(db, table.__table__, rows[table])
            del rows, batch
            events.sort(key=_AT)  # stable: a record's events keep their order
            runs.add(events)
            del events
        _append_audit(uow, runs.merged())
    written = {t: next_ids[t] - first_ids[t] for t in _TABLES}
    return DemoResult(
        written[PatientRecord], written[SessionRecord], written[ZoneRecord], "", "", 0.0,
        signed=counts["signed"], addenda=written[AddendumRecord],
        courses=written[CourseRecord], open_courses=counts["open_courses"],
        consents=written[ConsentRecord], archived=counts["archived"])


_AT = operator.itemgetter(0)


class _Runs:
    """Sorted runs of events, each in its own temporary file (deleted when closed), and
    their merge in time order. Past _MAX_RUNS files the runs so far are merged into one,
    so a run of a million patients stays within the open-file limit."""

    def __init__(self) -> None:
        self._files: list = []

    def __enter__(self) -> _Runs:
        return self

    def __exit__(self, *_exc) -> None:
        for file in self._files:
            file.close()

    def add(self, events) -> None:
        """Spill `events` (sorted by time; a list or an iterator) in pickled chunks."""
        if len(self._files) >= _MAX_RUNS:
            earlier = self._files
            self._files = [self._spill(self.merged())]
            for file in earlier:
                file.close()
        self._files.append(self._spill(events))

    def merged(self) -> Iterator[tuple]:
        """Every event spilled so far, oldest first (ties in the order spilled)."""
        return heapq.merge(*(self._read(f) for f in self._files), key=_AT)

    @staticmethod
    def _spill(events) -> object:
        file = tempfile.TemporaryFile()
        events = iter(events)
        while chunk := list(itertools.islice(events, _CHUNK)):
            pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
        return file

    @staticmethod
    def _read(file) -> Iterator[tuple]:
        file.seek(0)
        while True:
            try:
                chunk = pickle.load(file)
            except EOFError:
                return
            yield from chunk


def _signature_row(session_id: int, signature: Signature, version: int) -> dict:
    """The columns signing sets, as SigningRepository.sign sets them (the row's version
    raised by one, as the ORM raises it). A field added to Signature that this does not
    know fails loudly rather than going unwritten."""
    unknown = {f.name for f in dataclasses.fields(Signature)} - _SIGNATURE_COLUMNS.keys()
    if unknown or signature.imported is not None:
        raise RuntimeError(f"The demo does not store the signature's {sorted(unknown)}.")
    values = {column: getattr(signature, name) for name, column in _SIGNATURE_COLUMNS.items()
              if column is not None}
    values["status"] = SessionStatus.SIGNED
    values["version"] = version
    values["id"] = session_id
    return values


@functools.cache
def _details(**details) -> str:
    """Details that recur (a few values each), written out once."""
    return canonical_details(details)


_NO_DETAILS = canonical_details(None)
_PATIENT_EDITS = (
    ("phone", "+44 7700 900000"), ("medications", "None"), ("email", ""),
    ("medical_history", "None relevant"), ("address", "2 Old Road\nLondon"),
)


def _add_record(record: DemoRecord, rows: dict, next_ids: dict, events: list, counts: dict,
                now: datetime, rng: random.Random) -> None:
    """Queue one patient's rows and the events the audit trail records for them, each by
    whoever did it, at its own time (never after `now`), with the details the app's own
    services and windows write; a consent, signature or addendum is tied to its event's
    entry. Around each visit: the practitioner signs in (or unlocks the idle lock), the
    patient's details are brought up to date now and then, the session is saved as a
    draft, saved again as the steps are done, completed, signed, its aftercare sheet (and
    sometimes its report or the patient's summary) printed, and the screen locks."""
    patient, user = record.patient, record.practitioner.username

    def event(at: datetime, action: str, session_id: int | None = None, *,
              by: str = user, link: tuple | None = None, details: str) -> None:
        # Signing in and the idle lock are the account's, as the app records them: they
        # name no patient, even when they happen around one's visit.
        about = None if action in _ACCOUNT_ACTIONS else patient_id
        events.append((min(at, now), by, action, about, session_id, details, link))

    patient_values = patient_row_values(patient, now)
    patient_values["created_at"] = record.registered_at
    patient_id = _add_row(rows, next_ids, PatientRecord, patient_values)
    event(record.registered_at, Action.PATIENT_CREATED,
          details=canonical_details({"number": patient.number}))
    patient_saves = 1
    recorded_at = record.registered_at + timedelta(minutes=2)
    for consent in record.consents:
        row = {"kind": consent.kind, "text_version": consent.text_version,
               "consent_date": consent.consent_date, "witnessed_by": consent.witnessed_by,
               "recorded_by": consent.recorded_by, "recorded_at": recorded_at}
        _add_row(rows, next_ids, ConsentRecord, row, patient_id=patient_id)
        event(recorded_at, Action.CONSENT_RECORDED, link=(_CONSENT, row),
              details=canonical_details({
                  "kind": consent.kind, "version": consent.text_version,
                  "content": consent_hash(patient_id, consent, recorded_at)}))
        recorded_at += timedelta(minutes=1)
    course_days: dict[int, list[TreatmentSession]] = {}
    for session in record.sessions:
        course_days.setdefault(session.course_number, []).append(session)
    for course in record.courses:
        first = _started_at(course_days[course.number][0])
        saves = 1
        event(first - timedelta(minutes=4), Action.COURSE_OPENED,
              details=_details(course=course.number, status=CourseStatus.OPEN.value,
                               planned=course.planned_sessions))
        if course.status is CourseStatus.OPEN:
            counts["open_courses"] += 1
        else:
            last = course_days[course.number][-1].session_date
            later = 1 if course.status is CourseStatus.COMPLETED else _OPEN_WITHIN_DAYS
            event(datetime.combine(last + timedelta(days=later), time(9, 0)),
                  Action.COURSE_CHANGED,
                  details=_details(course=course.number, status=course.status.value,
                                   planned=course.planned_sessions))
            saves += 1
        _add_row(rows, next_ids, CourseRecord,
                 {**{name: getattr(course, name) for name in _COURSE_FIELDS},
                  "version": saves}, patient_id=patient_id)
    updated_at = record.registered_at
    for k, session in enumerate(record.sessions):
        start, finished = _started_at(session), _finished_at(session)
        values = session_row_values(session, now)
        if session.status is SessionStatus.SIGNED:
            values["status"] = SessionStatus.COMPLETED  # as saved; signing comes after
        draft = values["status"] is SessionStatus.DRAFT
        values["created_at"] = start
        values["updated_at"] = finished
        values["version"] = saves = 2 if draft else 3
        session_id = _add_row(rows, next_ids, SessionRecord, values, patient_id=patient_id)
        for position, zone in enumerate(session.needling.zones):
            _add_row(rows, next_ids, ZoneRecord, zone_row_values(zone, position),
                     session_id=session_id)
        for position, answer in enumerate(session.screen):
            _add_row(rows, next_ids, ScreenAnswerRecord,
                     _screen_values(answer, position), session_id=session_id)
        # The practitioner at the computer: signed in, or back from the idle lock.
        arrived = start - timedelta(minutes=rng.randint(3, 12))
        if rng.random() < 0.03:
            event(arrived - timedelta(minutes=1), Action.SIGN_IN_FAILED, by=user,
                  details=_details(account=user, attempt=1))
        if rng.random() < 0.4:
            event(arrived, Action.SIGN_IN, details=_details(account=user))
        else:
            event(arrived, Action.UNLOCKED, details=_NO_DETAILS)
        if session.numbing.used and rng.random() < 0.5:  # idle while the numbing works
            applied = datetime.combine(session.session_date, session.numbing.applied_at)
            event(applied + timedelta(minutes=rng.randint(2, 5)), Action.LOCKED,
                  details=_NO_DETAILS)
            event(datetime.combine(session.session_date, session.numbing.removed_at),
                  Action.UNLOCKED, details=_NO_DETAILS)
        if k and rng.random() < 0.5:
            name, old = _PATIENT_EDITS[rng.randrange(len(_PATIENT_EDITS))]
            event(arrived + timedelta(minutes=1), Action.PATIENT_CHANGED,
                  details=canonical_details({"changes": [
                      {"field": name, "old": old, "new": getattr(patient, name)}]}))
            patient_saves += 1
            updated_at = arrived + timedelta(minutes=1)
        event(start, Action.SESSION_CREATED, session_id,
              details=_details(status=SessionStatus.DRAFT.value))
        needling = session.needling
        event(datetime.combine(session.session_date, needling.started_at), Action.SESSION_CHANGED,
              session_id, details=canonical_details({
                  "status": SessionStatus.DRAFT.value, "changes": [
                      {"field": "needling.started_at", "old": None,
                       "new": needling.started_at.isoformat()},
                      {"field": "needling.cartridge_lot", "old": "",
                       "new": needling.cartridge_lot}]}))
        if draft:
            continue
        event(finished, Action.SESSION_CHANGED, session_id, details=canonical_details({
            "status": SessionStatus.COMPLETED.value, "changes": [
                {"field": "status", "old": SessionStatus.DRAFT.value,
                 "new": SessionStatus.COMPLETED.value},
                {"field": "serum.product", "old": "", "new": session.serum.product},
                {"field": "aftercare.given", "old": False, "new": True},
                {"field": "outcome.tolerance", "old": None,
                 "new": session.outcome.tolerance.value}]}))
        done = finished + timedelta(minutes=1)
        signature = session.signature
        if signature is not None:
            counts["signed"] += 1
            event(signature.signed_at, Action.SESSION_SIGNED, session_id,
                  by=signature.signer_username,
                  link=(_SIGNATURE, _signature_row(session_id, signature, saves + 1)),
                  details=canonical_details(signature_details(signature)))
            done = signature.signed_at + timedelta(minutes=1)
        event(done, Action.REPORT_PRINTED, session_id,
              details=_details(document="aftercare", pages=1))
        if rng.random() < 0.6:
            event(done + timedelta(minutes=1), Action.REPORT_PRINTED, session_id,
                  details=_details(document="session", pages=2))
        if rng.random() < 0.3:
            event(done + timedelta(minutes=2), Action.REPORT_PRINTED,
                  details=_details(document="summary", pages=1 + (k + 1) // 3))
        event(done + timedelta(minutes=rng.randint(6, 20)), Action.LOCKED,
              details=_NO_DETAILS)
        for addendum in session.addenda:
            row = {"author_username": addendum.author_username,
                   "author_name": addendum.author_name, "created_at": addendum.created_at,
                   "reason": addendum.reason, "text": addendum.text}
            _add_row(rows, next_ids, AddendumRecord, row, session_id=session_id)
            event(addendum.created_at, Action.ADDENDUM_ADDED, session_id,
                  by=addendum.author_username, link=(_ADDENDUM, row),
                  details=canonical_details({"reason": addendum.reason,
                                             "content": addendum_hash(session_id, addendum)}))
    if patient.archived_at is not None:
        counts["archived"] += 1
        event(patient.archived_at, Action.PATIENT_ARCHIVED,
              details=_details(reason=patient.archive_reason))
        patient_saves += 1
        updated_at = patient.archived_at
    patient_values["updated_at"] = min(updated_at, now)
    patient_values["version"] = patient_saves


def _started_at(session: TreatmentSession) -> datetime:
    """When the session's record was first saved: at the start of the appointment."""
    return datetime.combine(session.session_date, session.pre_checks.done_at or time(12, 0))


def _append_audit(uow, events: Iterator[tuple]) -> None:
    """Append `events` (oldest first) to the audit chain, each entry hashed by the
    domain's own rule (entry_hash over canonical details), an executemany per batch; the
    rows tied to an entry are written with its id as it is appended. The chain's head is
    read under the chain's lock, which this transaction holds, so no other writer can
    append between the read and the insert."""
    newest = uow.audit.find(limit=1)
    prev_hash = newest[0].hash if newest else GENESIS
    entry_id = max(uow.audit.last_issued_id(), newest[0].id if newest else 0)
    db = uow.session
    rows: list[dict] = []
    tied: dict[str, list[dict]] = {_CONSENT: [], _SIGNATURE: [], _ADDENDUM: []}

    def flush() -> None:
        if rows:
            _insert_many(db, AuditRecord.__table__, rows)
        if tied[_SIGNATURE]:
            _update_many(db, SessionRecord.__table__, tied[_SIGNATURE])
        if tied[_CONSENT]:
            _insert_many(db, ConsentRecord.__table__, tied[_CONSENT])
        if tied[_ADDENDUM]:  # after signing: addenda belong to signed sessions
            _insert_many(db, AddendumRecord.__table__, tied[_ADDENDUM])
        rows.clear()
        for kept in tied.values():
            kept.clear()

    for at, username, action, patient_id, session_id, text, link in events:
        entry_id += 1
        digest = entry_hash(prev_hash, entry_id, at, username, action, patient_id,
                            session_id, text)
        rows.append({"id": entry_id, "at": at, "username": username, "action": action,
                     "patient_id": patient_id, "session_id": session_id, "details": text,
                     "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
        if link is not None:
            kind, row = link
            row["signed_audit_id" if kind == _SIGNATURE else "audit_id"] = entry_id
            tied[kind].append(row)
        if len(rows) >= _AUDIT_BATCH:
            flush()
    flush()


def _bound_params(dialect, table, names: list[str], rows: list[dict]) -> list[tuple]:
    """Each row's values for `names`, each through its column type's bind processor, so
    what is stored is exactly what an ORM save stores."""
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    values = operator.itemgetter(*names)
    converted = [(i, process) for i, process in enumerate(processors) if process is not None]
    params = []
    for row in rows:
        row_values = list(values(row))
        for i, process in converted:
            row_values[i] = process(row_values[i])
        params.append(tuple(row_values))
    return params


def _insert_many(db, table, rows: list[dict]) -> None:
    """One executemany of `rows` (dicts with the same keys) into `table`, in the caller's
    transaction. Only SQLAlchemy's per-row parameter bookkeeping is skipped, which took a
    third of the demo's time (PITFALLS 7)."""
    connection = db.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = list(rows[0])
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
           f"({', '.join(quote(name) for name in names)}) "
           f"VALUES ({', '.join([_mark(dialect)] * len(names))})")
    connection.exec_driver_sql(sql, _bound_params(dialect, table, names, rows))
    if dialect.name == "postgresql" and "id" in names:
        # Ids given here do not move the server's id sequence: move it past them, or the
        # next record saved would be given an id already taken.
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"(SELECT max(id) FROM {table.name}))")


def _mark(dialect) -> str:
    """The driver's placeholder: sqlite3's `?`, psycopg's `%s`."""
    return "%s" if dialect.name == "postgresql" else "?"


def _update_many(db, table, rows: list[dict]) -> None:
    """One executemany UPDATE of `table` setting each row's values where its `id` is."""
    connection = db.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names = [name for name in rows[0] if name != "id"]
    sql = (f"UPDATE {dialect.identifier_preparer.format_table(table)} SET "
           f"{', '.join(f'{quote(name)} = {_mark(dialect)}' for name in names)} "
           f"WHERE {quote('id')} = {_mark(dialect)}")
    connection.exec_driver_sql(sql, _bound_params(dialect, table, [*names, "id"], rows))


@functools.cache
def _screen_row_template(answer: ScreenAnswer, position: int) -> dict:
    return screen_row_values(answer, position)


def _screen_values(answer: ScreenAnswer, position: int) -> dict:
    """The row of a screen answer; most are the same few answers, so each distinct row is
    mapped once and copied (the copy gets its own id and session)."""
    return dict(_screen_row_template(answer, position))


def _add_row(rows: dict, next_ids: dict, table: type, values: dict, **parent) -> int:
    """Queue `values` for `table` under the next id, with its parent's id; return the id."""
    values["id"] = row_id = next_ids[table]
    next_ids[table] += 1
    values.update(parent)
    rows[table].append(values)
    return row_id
