"""Synthetic demonstration records: realistic, reproducible and fast to write.

`generate_records` is pure: the same seed, first number, guidance and day give the same
patients and sessions. Every session it makes passes `validate_session` without errors and
keeps each depth within the zone's typical range, so the demo shows no depth warnings.

`DemoService.generate` writes them with one executemany per table and batch, in one
transaction, each value through its column type's bind processor (so rows are stored
exactly as an ORM save stores them): ORM objects per row would take minutes for 10,000
patients (PITFALLS 7), and SQLAlchemy's per-row parameter handling cost a third more.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import operator
import random
import time as clock_time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from ..domain.audit import Action
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
from ..persistence.mapping import (
    patient_row_values,
    screen_row_values,
    session_row_values,
    zone_row_values,
)
from ..persistence.models import PatientRecord, ScreenAnswerRecord, SessionRecord, ZoneRecord
from .base import Service

#: Every demo patient's assessment starts with this.
DEMO_MARK = "Demo record (synthetic)"

# --- Vocabulary -------------------------------------------------------------------------
# Each naming culture: (female given names, male given names, (male, female) surnames).
# Several scripts on purpose: accented Latin with Ł ő ş, Greek and Cyrillic, so lists,
# search, PDFs and exports are exercised with the names real clinics see.
_CULTURES = (
    (30, ("Emma", "Olivia", "Sarah", "Grace", "Charlotte", "Siobhán"),
     ("James", "Oliver", "Thomas", "Daniel", "Seán"),
     (("Smith", "Smith"), ("O'Neil", "O'Neil"), ("Taylor", "Taylor"), ("Hughes", "Hughes"),
      ("Brown", "Brown"), ("Fitzgerald", "Fitzgerald"))),
    (12, ("Łucja", "Małgorzata", "Agnieszka", "Zofia", "Katarzyna"),
     ("Łukasz", "Paweł", "Michał", "Wojciech", "Jędrzej"),
     (("Nowak", "Nowak"), ("Wójcik", "Wójcik"), ("Kowalski", "Kowalska"),
      ("Świętochowski", "Świętochowska"), ("Zieliński", "Zielińska"), ("Łęcki", "Łęcka"))),
    (8, ("Zsófia", "Réka", "Anikó", "Erzsébet"), ("Zoltán", "Gábor", "László", "Ödön"),
     (("Őrsi", "Őrsi"), ("Kovács", "Kovács"), ("Szőke", "Szőke"), ("Tóth", "Tóth"))),
    (8, ("Ayşe", "Şule", "Gülşen", "Elif"), ("Şükrü", "Murat", "Barış", "Çağan"),
     (("Yılmaz", "Yılmaz"), ("Şahin", "Şahin"), ("Çelik", "Çelik"), ("Öztürk", "Öztürk"))),
    (12, ("Ana", "Inês", "Hélène", "María José", "Begoña"),
     ("José", "João", "François", "Íñigo"),
     (("Martínez", "Martínez"), ("Gonçalves", "Gonçalves"), ("Lefèvre", "Lefèvre"),
      ("Núñez", "Núñez"), ("Peña", "Peña"))),
    (14, ("Αικατερίνη", "Ελένη", "Σοφία", "Δέσποινα"),
     ("Αλέξανδρος", "Γιώργος", "Νικόλαος", "Δημήτρης"),
     (("Παπαδόπουλος", "Παπαδοπούλου"), ("Κωνσταντίνου", "Κωνσταντίνου"),
      ("Γεωργίου", "Γεωργίου"), ("Βλάχος", "Βλάχου"), ("Οικονόμου", "Οικονόμου"))),
    (16, ("Жанна", "Ольга", "Наталья", "Ірина", "Светла"),
     ("Дмитрий", "Сергей", "Олександр", "Иван"),
     (("Щербаков", "Щербакова"), ("Иванов", "Иванова"), ("Шевченко", "Шевченко"),
      ("Петров", "Петрова"), ("Кузнецов", "Кузнецова"))),
)

_PRACTITIONERS = (
    ("Dr Jane Roe", "Aesthetic doctor"),
    ("Σοφία Νικολάου", "Aesthetic nurse prescriber"),
    ("Małgorzata Wiśniewska", "Aesthetic nurse"),
    ("Светлана Орлова", "Dermatology nurse specialist"),
    ("Dr Tomás Ibáñez", "Consultant dermatologist"),
)


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


_CULTURE = _Weighted(_CULTURES, [c[0] for c in _CULTURES])
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
# One patient in 20 has a last visit still being written up; a fixed cadence rather than a
# coin toss, so even a small demo shows a draft.
_DRAFT_EVERY = 20
_MIN_INTERVAL_DAYS, _MAX_INTERVAL_DAYS = 28, 42


# --- Generation -------------------------------------------------------------------------


def generate_records(
    count: int, seed: int, first_number: int, today: date,
    guidance: Sequence[ZoneGuidance] = DEFAULT_ZONE_GUIDANCE,
    sessions_per_patient: int | None = None,
) -> Iterator[tuple[Patient, list[TreatmentSession]]]:
    """`count` patients numbered P{first_number:06d} upwards, each with its sessions
    (oldest first, none after `today`). Deterministic for the same arguments.

    Each patient has 1–8 sessions (5.1 on average), or, with `sessions_per_patient` M,
    1 to 2M−1 sessions, M on average: a long-established clinic's archive."""
    rng = random.Random(seed)
    units = _device_units(rng)
    by_zone = {g.zone: g for g in guidance}
    for offset in range(count):
        patient = _patient(rng, f"P{first_number + offset:06d}", today)
        has_draft = offset % _DRAFT_EVERY == _DRAFT_EVERY // 2
        count = (_SESSION_COUNT.pick(rng) if sessions_per_patient is None
                 else rng.randint(1, 2 * sessions_per_patient - 1))
        yield patient, _series(rng, patient, today, units, by_zone, has_draft, count)


def _device_units(rng: random.Random) -> list[tuple[_DeviceModel, str]]:
    """The clinic's devices: two units of each model, each with its serial number."""
    return [(m, f"{m.serial_prefix}{rng.randint(10000, 99999)}" if m.serial_prefix else "")
            for m in _DEVICE_MODELS for _ in range(2)]


def _patient(rng: random.Random, number: str, today: date) -> Patient:
    _weight, female, male, surnames = _CULTURE.pick(rng)
    sex = _SEX.pick(rng)
    is_male = sex is Sex.MALE or (sex is not Sex.FEMALE and rng.random() < 0.5)
    given = rng.choice(male if is_male else female)
    surname = rng.choice(surnames)[0 if is_male else 1]
    concerns = frozenset(rng.sample(_ALL_CONCERNS, _CONCERN_COUNT.pick(rng)))
    age_days = rng.randint(18 * 365 + 5, 75 * 365)
    return Patient(
        number=number,
        full_name=f"{given} {surname}",
        date_of_birth=today - timedelta(days=age_days),
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
        plan=f"Course of {rng.randint(3, 6)} sessions, 4–6 weeks apart, then review",
    )


def _series(
    rng: random.Random, patient: Patient, today: date,
    units: list[tuple[_DeviceModel, str]], by_zone: dict[FacialZone, ZoneGuidance],
    has_draft: bool, count: int,
) -> list[TreatmentSession]:
    last = today - timedelta(days=rng.randint(0, 3) if has_draft else rng.randint(0, 240))
    gaps = [rng.randint(_MIN_INTERVAL_DAYS, _MAX_INTERVAL_DAYS) for _ in range(count)]
    dates = [last - timedelta(days=sum(gaps[k + 1:])) for k in range(count)]
    unit = rng.choice(units)
    practitioner = rng.choice(_PRACTITIONERS)
    zones = _zones_for(rng, patient.concerns, by_zone)
    sessions = []
    for k, day in enumerate(dates):
        next_day = dates[k + 1] if k + 1 < count else day + timedelta(days=gaps[0])
        progress = k / (count - 1) if count > 1 else 0.5
        draft = has_draft and k == count - 1
        sessions.append(_session(rng, patient, day, next_day, progress, draft, unit,
                                 practitioner, zones, by_zone))
    return sessions


#: The screen most demo patients give: every question answered No (answers are frozen, so
#: one tuple serves every session).
_SCREEN_ALL_NO = tuple(
    dataclasses.replace(a, present=False) for a in answers_for(DEFAULT_RULES))


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
    draft: bool, unit: tuple[_DeviceModel, str], practitioner: tuple[str, str],
    zones: list[FacialZone], by_zone: dict[FacialZone, ZoneGuidance],
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
        session_date=day, practitioner_name=practitioner[0], practitioner_role=practitioner[1],
        status=SessionStatus.DRAFT if draft else SessionStatus.COMPLETED,
        pre_checks=PreTreatmentChecks(
            sun_avoided=True, retinoids_paused=True, no_waxing=True, skin_clean=True,
            consent_signed=True, photo_consent=rng.random() < 0.9, baseline_photos=True,
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


class DemoService(Service):
    def generate(self, patients: int, seed: int = 0,
                 sessions_per_patient: int | None = None) -> DemoResult:
        """Add `patients` synthetic patients with their sessions, all or nothing.

        Numbers continue from the repository's next free number, so they never collide
        with existing patients. The same seed on the same day gives the same records.
        `sessions_per_patient` (1–50) sets the average series length (generate_records).
        """
        if patients < 1:
            raise ValueError("patients must be at least 1")
        if sessions_per_patient is not None and not 1 <= sessions_per_patient <= 50:
            raise ValueError("sessions per patient must be 1–50")
        self._require_admin()  # synthetic records must never slip into a clinic unnoticed
        started = clock_time.perf_counter()
        with self._uow() as uow:
            guidance = uow.settings.zone_guidance() or DEFAULT_ZONE_GUIDANCE
            first = int(uow.patients.next_number()[1:])  # "P000042" -> 42
            records = generate_records(patients, seed, first, self._today(), guidance,
                                       sessions_per_patient)
            sessions, zones = _bulk_insert(uow.session, records, self._clock())
            self._audit(uow, Action.PATIENT_CREATED, demo=True, patients=patients,
                        sessions=sessions, first=f"P{first:06d}",
                        last=f"P{first + patients - 1:06d}")
            uow.commit()
        return DemoResult(patients, sessions, zones, f"P{first:06d}",
                          f"P{first + patients - 1:06d}", clock_time.perf_counter() - started)


#: Patients per executemany batch: memory stays flat whatever the count, at the same speed.
_BATCH = 1000
_TABLES = (PatientRecord, SessionRecord, ZoneRecord, ScreenAnswerRecord)


def _bulk_insert(db, records, now: datetime) -> tuple[int, int]:
    """Insert every patient, session and zone row; returns (sessions, zones) written.

    Ids are assigned here, continuing from the highest in each table, so child rows can
    name their parents without a round trip per row. Everything runs in the caller's
    transaction, so a concurrent writer makes the whole insert fail, never interleave.
    """
    first_ids = {t: (db.scalar(select(func.max(t.id))) or 0) + 1 for t in _TABLES}
    next_ids = dict(first_ids)
    records = iter(records)
    while batch := list(itertools.islice(records, _BATCH)):
        rows: dict[type, list[dict]] = {t: [] for t in _TABLES}
        for patient, sessions in batch:
            patient_id = _add_row(rows, next_ids, PatientRecord, patient_row_values(patient, now))
            for session in sessions:
                session_id = _add_row(rows, next_ids, SessionRecord,
                                      session_row_values(session, now), patient_id=patient_id)
                for position, zone in enumerate(session.needling.zones):
                    _add_row(rows, next_ids, ZoneRecord, zone_row_values(zone, position),
                             session_id=session_id)
                for position, answer in enumerate(session.screen):
                    _add_row(rows, next_ids, ScreenAnswerRecord,
                             _screen_values(answer, position), session_id=session_id)
        for table, table_rows in rows.items():
            if table_rows:
                _insert_many(db, table.__table__, table_rows)
    return (next_ids[SessionRecord] - first_ids[SessionRecord],
            next_ids[ZoneRecord] - first_ids[ZoneRecord])


def _insert_many(db, table, rows: list[dict]) -> None:
    """One executemany of `rows` (dicts with the same keys) into `table`, in the caller's
    transaction. Each value goes through its column type's own bind processor, so what
    is stored is exactly what an ORM save stores; only SQLAlchemy's per-row parameter
    bookkeeping is skipped, which took a third of the demo's time (PITFALLS 7)."""
    connection = db.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in names]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({columns}) "
           f"VALUES ({', '.join('?' * len(names))})")
    values = operator.itemgetter(*names)
    converted = [(i, process) for i, process in enumerate(processors) if process is not None]
    params = []
    for row in rows:
        row_values = list(values(row))
        for i, process in converted:
            row_values[i] = process(row_values[i])
        params.append(tuple(row_values))
    connection.exec_driver_sql(sql, params)


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
