"""The rules a record must meet, shared by the windows, the command line and imports.

Each function returns every problem it finds (errors block a save, warnings are shown),
so a user sees all that needs fixing at once. Messages name the field and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date

from . import guidance as g
from .enums import PIH_CAUTION, DeviceType, Fitzpatrick, SessionStatus
from .errors import Problem, Severity
from .guidance import ZoneGuidance
from .patient import Patient
from .screening import screen_problems
from .session import TreatmentSession, ZoneTreatment

_PATIENT_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]*")


def _text(path: str, label: str, value: str, limit: int, *, required: bool = False):
    if required and not value.strip():
        yield Problem(path, f"{label} is required.")
    if len(value) > limit:
        yield Problem(
            path, f"{label} may hold at most {limit:,} characters; it has {len(value):,}.")


def validate_patient(patient: Patient, today: date) -> list[Problem]:
    """All problems with `patient` as of `today` (errors, then the Fitzpatrick caution)."""
    p = patient
    problems: list[Problem] = []
    if not p.number.strip():
        problems.append(Problem("number", "Patient number is required."))
    elif len(p.number) > g.PATIENT_NUMBER_MAX or not _PATIENT_NUMBER.fullmatch(p.number):
        problems.append(Problem(
            "number",
            f"Patient number must be 1–{g.PATIENT_NUMBER_MAX} characters: letters A–Z, digits, "
            "and - _ / . after the first character.",
        ))
    problems += _text("full_name", "Full name", p.full_name, g.NAME_MAX, required=True)
    if p.date_of_birth > today:
        problems.append(Problem("date_of_birth", "Date of birth cannot be in the future."))
    elif p.age_on(today) > g.MAX_AGE_YEARS:
        problems.append(Problem(
            "date_of_birth", f"Date of birth gives an age over {g.MAX_AGE_YEARS} years."))
    for name, label in (("phone", "Phone"), ("email", "Email")):
        problems += _text(name, label, getattr(p, name), g.SHORT_TEXT_MAX)
    if p.email and "@" not in p.email:
        problems.append(Problem("email", "Email must contain @, e.g. name@example.org."))
    for name, label in (
        ("address", "Address"), ("concerns_other", "Other concerns"),
        ("medical_history", "Medical history"), ("medications", "Medications"),
        ("allergies", "Allergies"), ("goals", "Goals"), ("assessment", "Assessment"),
        ("plan", "Plan"),
    ):
        problems += _text(name, label, getattr(p, name), g.LONG_TEXT_MAX)
    problems += fitzpatrick_cautions(p.fitzpatrick, "fitzpatrick")
    return problems


def fitzpatrick_cautions(skin_type: Fitzpatrick, path: str) -> list[Problem]:
    if skin_type.needs_pih_caution:
        return [Problem(path, PIH_CAUTION.format(type=skin_type.value), Severity.WARNING)]
    return []


def _in_range(path: str, label: str, value: float | None, lo: float, hi: float, unit: str = ""):
    if value is None:
        return
    finite = math.isfinite(value) if isinstance(value, float) else True
    if not finite or not lo <= value <= hi:
        yield Problem(path, f"{label} must be between {lo:g} and {hi:g}{unit}; got {value:g}.")


def validate_zone(
    row: ZoneTreatment, path: str, device: DeviceType | None,
    guidance: dict, *, zone_label: str | None = None,
) -> Iterable[Problem]:
    label = zone_label or row.zone.label
    depth = row.depth_mm
    if not math.isfinite(depth) or not g.DEPTH_MIN_EXCLUSIVE_MM < depth <= g.DEPTH_MAX_MM:
        yield Problem(
            f"{path}.depth_mm",
            f"Needle depth (mm) for {label} must be greater than 0 and at most "
            f"{g.DEPTH_MAX_MM:g} mm; got {depth:g}.",
        )
    else:
        zone_guidance: ZoneGuidance | None = guidance.get(row.zone)
        if zone_guidance and depth > zone_guidance.warn_above_mm:
            yield Problem(
                f"{path}.depth_mm",
                f"Needle depth {depth:g} mm for {label} is above the clinic's warning level of "
                f"{zone_guidance.warn_above_mm:g} mm (typical {zone_guidance.typical_min_mm:g}–"
                f"{zone_guidance.typical_max_mm:g} mm).",
                Severity.WARNING,
            )
        if device is DeviceType.PEN and depth > g.PEN_DEPTH_WARN_ABOVE_MM:
            yield Problem(
                f"{path}.depth_mm",
                f"Needle depth {depth:g} mm is beyond what most microneedling pens reach "
                f"({g.PEN_DEPTH_WARN_ABOVE_MM:g} mm); check the device.",
                Severity.WARNING,
            )
    if not g.PASSES_MIN <= row.passes <= g.PASSES_MAX:
        yield Problem(
            f"{path}.passes",
            f"Passes for {label} must be a whole number from {g.PASSES_MIN} to {g.PASSES_MAX}; "
            f"got {row.passes}.",
        )
    yield from _in_range(f"{path}.erythema", f"Erythema for {label}", row.erythema,
                         g.ERYTHEMA_MIN, g.ERYTHEMA_MAX, " (0 = none, 4 = intense)")
    yield from _in_range(f"{path}.rf_pulse_ms", f"RF pulse width (ms) for {label}",
                         row.rf_pulse_ms, g.RF_PULSE_MIN_MS, g.RF_PULSE_MAX_MS, " ms")
    for name, title in (("speed", "Speed"), ("technique", "Technique"), ("rf_energy", "RF energy")):
        yield from _text(f"{path}.{name}", f"{title} for {label}", getattr(row, name),
                         g.SHORT_TEXT_MAX)
    yield from _text(f"{path}.note", f"Note for {label}", row.note, g.LONG_TEXT_MAX)


def validate_session(
    session: TreatmentSession,
    guidance: tuple[ZoneGuidance, ...] = g.DEFAULT_ZONE_GUIDANCE,
    fitzpatrick: Fitzpatrick | None = None,
    *,
    born: date | None = None,
    today: date | None = None,
) -> list[Problem]:
    """All problems with `session`: range errors always, completeness when completed.

    With `born` and `today`, the session date must lie between the patient's birth and
    today. Warnings (depth above the clinic's level, Fitzpatrick IV–VI, SPF under 30,
    numbing contact time outside the typical range) never block a save.
    """
    s = session
    problems: list[Problem] = []
    if today is not None and s.session_date > today:
        problems.append(Problem(
            "session_date", f"Session date cannot be after today ({today.isoformat()})."))
    if born is not None and s.session_date < born:
        problems.append(Problem(
            "session_date",
            f"Session date cannot be before the patient's date of birth ({born.isoformat()})."))
    problems += _text("practitioner_name", "Practitioner", s.practitioner_name, g.NAME_MAX,
                      required=True)
    problems += _text("practitioner_role", "Practitioner role", s.practitioner_role,
                      g.SHORT_TEXT_MAX)
    problems += _text("pre_checks.note", "Pre-treatment note", s.pre_checks.note, g.LONG_TEXT_MAX)
    problems += _text("cleansing.product", "Cleansing product", s.cleansing.product,
                      g.SHORT_TEXT_MAX)
    problems += _text("cleansing.antiseptic", "Antiseptic", s.cleansing.antiseptic,
                      g.SHORT_TEXT_MAX)

    n = s.numbing
    if n.used:
        minutes = n.contact_minutes
        if minutes is not None and minutes <= 0:
            problems.append(Problem(
                "numbing.removed_at",
                "Numbing removed at must be later than numbing applied at."))
        elif minutes is not None and not (
                g.NUMBING_TYPICAL_MIN <= minutes <= g.NUMBING_TYPICAL_MAX):
            problems.append(Problem(
                "numbing.removed_at",
                f"Numbing contact time of {minutes} min is outside the typical "
                f"{g.NUMBING_TYPICAL_MIN}–{g.NUMBING_TYPICAL_MAX} min.", Severity.WARNING))
    elif not n.not_used_reason.strip():
        problems.append(Problem(
            "numbing.not_used_reason", "Reason numbing was not used is required."))
    problems += _text("numbing.agent", "Numbing agent", n.agent, g.SHORT_TEXT_MAX)
    problems += _text("numbing.lot", "Numbing lot", n.lot, g.SHORT_TEXT_MAX)
    problems += _text("numbing.not_used_reason", "Reason numbing was not used",
                      n.not_used_reason, g.LONG_TEXT_MAX)

    nd = s.needling
    for name, title in (("device_make", "Device make"), ("device_model", "Device model"),
                        ("device_serial", "Device serial number"),
                        ("cartridge_lot", "Cartridge lot")):
        problems += _text(f"needling.{name}", title, getattr(nd, name), g.SHORT_TEXT_MAX)
    if nd.cartridge_needles is not None and not (
            g.NEEDLES_MIN <= nd.cartridge_needles <= g.NEEDLES_MAX):
        problems.append(Problem(
            "needling.cartridge_needles",
            f"Cartridge needle count must be a whole number from {g.NEEDLES_MIN} to "
            f"{g.NEEDLES_MAX}; got {nd.cartridge_needles}."))
    problems += expired_lot_problems(s)
    by_zone = g.guidance_by_zone(guidance)
    for i, row in enumerate(nd.zones):
        problems += validate_zone(row, f"needling.zones[{i}]", nd.device_type, by_zone)
    seen = set()
    for i, row in enumerate(nd.zones):
        if row.zone in seen:
            problems.append(Problem(
                f"needling.zones[{i}].zone",
                f"Zone {row.zone.label} is listed twice; each zone has one row.", ))
        seen.add(row.zone)

    for name, title in (("product", "Serum product"), ("lot", "Serum lot"),
                        ("amount", "Serum amount")):
        problems += _text(f"serum.{name}", title, getattr(s.serum, name), g.SHORT_TEXT_MAX)

    sc = s.sunscreen
    problems += _in_range("sunscreen.spf", "SPF", sc.spf, g.SPF_MIN, g.SPF_MAX)
    if sc.spf is not None and g.SPF_MIN <= sc.spf < g.SPF_RECOMMENDED_MIN and not sc.deferred:
        problems.append(Problem(
            "sunscreen.spf",
            f"SPF {sc.spf} is below the recommended broad-spectrum SPF "
            f"{g.SPF_RECOMMENDED_MIN}+.", Severity.WARNING))
    if sc.deferred and not sc.deferred_reason.strip():
        problems.append(Problem(
            "sunscreen.deferred_reason", "Reason sunscreen was deferred is required."))
    problems += _text("sunscreen.product", "Sunscreen product", sc.product, g.SHORT_TEXT_MAX)
    problems += _text("sunscreen.deferred_reason", "Reason sunscreen was deferred",
                      sc.deferred_reason, g.LONG_TEXT_MAX)

    a = s.aftercare
    if a.next_appointment is not None and a.next_appointment <= s.session_date:
        problems.append(Problem(
            "aftercare.next_appointment",
            "Next appointment must be after the session date."))
    if a.next_appointment_time is not None and a.next_appointment is None:
        problems.append(Problem(
            "aftercare.next_appointment_time",
            "Next appointment time needs a next appointment date."))
    problems += _text("aftercare.instructions", "Aftercare instructions", a.instructions,
                      g.LONG_TEXT_MAX)

    o = s.outcome
    if o.total_minutes is not None and not (
            g.TOTAL_MINUTES_MIN <= o.total_minutes <= g.TOTAL_MINUTES_MAX):
        problems.append(Problem(
            "outcome.total_minutes",
            f"Total procedure time must be from {g.TOTAL_MINUTES_MIN} to "
            f"{g.TOTAL_MINUTES_MAX} minutes; got {o.total_minutes}."))
    problems += _text("outcome.adverse_events", "Adverse events", o.adverse_events,
                      g.LONG_TEXT_MAX)
    problems += _text("outcome.notes", "Notes", o.notes, g.LONG_TEXT_MAX)

    if s.status in (SessionStatus.COMPLETED, SessionStatus.SIGNED):
        problems += completeness_problems(s)
    problems += screen_problems(s.screen, needling_recorded=bool(
        s.needling.device_type is not None or s.needling.zones))
    for i, answer in enumerate(s.screen):
        problems += _text(f"screen[{i}].note", "Screen note", answer.note, g.LONG_TEXT_MAX)
        problems += _text(f"screen[{i}].override_reason", "Override reason",
                          answer.override_reason, g.LONG_TEXT_MAX)
    if fitzpatrick is not None:
        problems += fitzpatrick_cautions(fitzpatrick, "patient.fitzpatrick")
    return problems


def expired_lot_problems(s: TreatmentSession) -> list[Problem]:
    """A lot past its expiry on the session date is a warning that needs a reason: an
    error until `expired_lot_reason` is given, a warning (kept on record) after."""
    expired = [
        (path, label, expiry) for path, label, expiry in (
            ("numbing.expiry", "Numbing agent lot", s.numbing.expiry if s.numbing.used
             else None),
            ("needling.cartridge_expiry", "Cartridge lot", s.needling.cartridge_expiry),
            ("serum.expiry", "Serum lot", s.serum.expiry),
        ) if expiry is not None and expiry < s.session_date]
    reason = s.expired_lot_reason.strip()
    problems = [Problem(path, f"{label} expired on {expiry.isoformat()}, before this "
                              "session" + ("." if reason else ": give a reason to go ahead."),
                        Severity.WARNING if reason else Severity.ERROR)
                for path, label, expiry in expired]
    if not reason and expired:
        problems.append(Problem("expired_lot_reason", "Reason for using an expired lot is "
                                                      "required."))
    problems += _text("expired_lot_reason", "Reason for using an expired lot",
                      s.expired_lot_reason, g.LONG_TEXT_MAX)
    problems += _text("interval_override_reason", "Reason for the early session",
                      s.interval_override_reason, g.LONG_TEXT_MAX)
    return problems


def completeness_problems(s: TreatmentSession) -> list[Problem]:
    """What a session still lacks before it can be marked completed, in procedure order."""
    missing: list[Problem] = []
    if s.cleansing.done_at is None:
        missing.append(Problem("cleansing.done_at", "Cleansing: record the time it was done."))
    if s.numbing.used and (s.numbing.applied_at is None or s.numbing.removed_at is None
                           or not s.numbing.agent.strip()):
        missing.append(Problem(
            "numbing.agent",
            "Numbing: record the agent, applied and removed times, or mark it not used."))
    if s.needling.device_type is None:
        missing.append(Problem("needling.device_type", "Microneedling: choose the device type."))
    if not s.needling.zones:
        missing.append(Problem(
            "needling.zones",
            "Microneedling: add at least one treated zone with depth and passes."))
    if not s.sunscreen.deferred and s.sunscreen.spf is None:
        missing.append(Problem(
            "sunscreen.spf", "Sunscreen: record the SPF applied, or defer it with a reason."))
    if not s.aftercare.given:
        missing.append(Problem(
            "aftercare.given", "Aftercare: confirm the instructions were given."))
    return missing


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.is_error]
