"""Every rule in domain/validation.py, with values on both sides of each limit.

Each bad value must give a problem at the right path whose message names the field and
what is allowed; each good value must give none there.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date, time

import pytest

from practitioner_app.domain.enums import DeviceType, FacialZone, Fitzpatrick, SessionStatus
from practitioner_app.domain.errors import Severity
from practitioner_app.domain.session import (
    Aftercare,
    Cleansing,
    Needling,
    Numbing,
    Sunscreen,
    ZoneTreatment,
)
from practitioner_app.domain.validation import (
    completeness_problems,
    errors_only,
    validate_patient,
    validate_session,
)
from tests.factories import a_full_session, a_patient, with_zone

TODAY = date(2026, 11, 24)


def at(problems, path):
    """The problems reported for `path`."""
    return [p for p in problems if p.path == path]


def step(session, name, **changes):
    """`session` with fields of one step changed."""
    return dataclasses.replace(session, **{name: dataclasses.replace(
        getattr(session, name), **changes)})


def test_the_factory_records_are_valid():
    assert validate_patient(a_patient(), TODAY) == []
    assert validate_session(a_full_session()) == []


# --- Patient -------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["P000101", "7", "A-1/2.3_x", "p" * 32])
def test_patient_number_accepted(number):
    assert at(validate_patient(a_patient(number=number), TODAY), "number") == []


@pytest.mark.parametrize("number", ["-P1", "P 1", "P#1", "Ł001", "p" * 33, ".P"])
def test_patient_number_format_refused(number):
    [problem] = at(validate_patient(a_patient(number=number), TODAY), "number")
    assert problem.severity is Severity.ERROR
    assert "Patient number must be 1–32 characters" in problem.message
    assert "letters A–Z, digits" in problem.message


@pytest.mark.parametrize("number", ["", "   "])
def test_patient_number_required(number):
    [problem] = at(validate_patient(a_patient(number=number), TODAY), "number")
    assert problem.message == "Patient number is required."


@pytest.mark.parametrize("name, ok", [
    ("A", True), ("x" * 200, True), ("", False), ("  \n ", False), ("x" * 201, False),
])
def test_full_name_required_and_limited(name, ok):
    found = at(validate_patient(a_patient(full_name=name), TODAY), "full_name")
    assert (found == []) is ok
    if not ok:
        assert "Full name" in found[0].message
        assert "required" in found[0].message or "at most 200 characters" in found[0].message


@pytest.mark.parametrize("born, message", [
    (TODAY, None),
    (date(1896, 11, 25), None),  # 129 years old
    (date(2026, 11, 25), "Date of birth cannot be in the future."),
    (date(1895, 11, 23), "Date of birth gives an age over 130 years."),
])
def test_date_of_birth(born, message):
    found = at(validate_patient(a_patient(date_of_birth=born), TODAY), "date_of_birth")
    assert [p.message for p in found] == ([message] if message else [])


@pytest.mark.parametrize("email, ok", [
    ("", True), ("ana@example.org", True), ("ana.example.org", False),
    ("a@" + "x" * 199, False),
])
def test_email(email, ok):
    found = at(validate_patient(a_patient(email=email), TODAY), "email")
    assert (found == []) is ok
    assert all("Email" in p.message for p in found)


@pytest.mark.parametrize("field, label, limit", [
    ("phone", "Phone", 200), ("address", "Address", 20_000),
    ("medical_history", "Medical history", 20_000), ("plan", "Plan", 20_000),
])
def test_patient_text_limits(field, label, limit):
    assert at(validate_patient(a_patient(**{field: "x" * limit}), TODAY), field) == []
    [problem] = at(validate_patient(a_patient(**{field: "x" * (limit + 1)}), TODAY), field)
    assert problem.message == (
        f"{label} may hold at most {limit:,} characters; it has {limit + 1:,}.")


@pytest.mark.parametrize("skin_type", list(Fitzpatrick))
def test_fitzpatrick_iv_to_vi_is_a_caution_not_an_error(skin_type):
    problems = validate_patient(a_patient(fitzpatrick=skin_type), TODAY)
    found = at(problems, "fitzpatrick")
    if skin_type in (Fitzpatrick.IV, Fitzpatrick.V, Fitzpatrick.VI):
        [caution] = found
        assert caution.severity is Severity.WARNING
        assert f"Fitzpatrick type {skin_type.value}" in caution.message
        assert "test spot" in caution.message
        assert errors_only(problems) == []
    else:
        assert found == []


def test_session_check_repeats_the_patients_caution():
    problems = validate_session(a_full_session(), fitzpatrick=Fitzpatrick.V)
    [caution] = at(problems, "patient.fitzpatrick")
    assert caution.severity is Severity.WARNING


# --- Zones -----------------------------------------------------------------------------------

DEPTH = "needling.zones[0].depth_mm"  # the first zone of a_full_session is the forehead


@pytest.mark.parametrize("depth, ok", [
    (0, False), (0.01, True), (-1.0, False), (3.5, True), (3.51, False),
    (math.nan, False), (math.inf, False),
])
def test_depth_hard_limits(depth, ok):
    session = with_zone(a_full_session(), zone=FacialZone.ACNE_SCARS, depth_mm=depth)
    errors = at(errors_only(validate_session(session)), DEPTH)
    assert (errors == []) is ok
    if not ok:
        assert errors[0].message.startswith(
            "Needle depth (mm) for Acne scars (targeted) must be greater than 0 and at most "
            "3.5 mm; got ")


@pytest.mark.parametrize("zone, depth, warned", [
    (FacialZone.PERIORBITAL, 0.5, False), (FacialZone.PERIORBITAL, 0.55, True),
    (FacialZone.CHEEKS, 2.0, False), (FacialZone.CHEEKS, 2.05, True),
    (FacialZone.ACNE_SCARS, 2.5, False), (FacialZone.ACNE_SCARS, 3.0, True),
])
def test_depth_above_the_zone_warning_level_is_a_warning(zone, depth, warned):
    session = step(a_full_session(), "needling", device_type=DeviceType.RF,
                   zones=(ZoneTreatment(zone, depth, 2),))
    problems = validate_session(session)
    found = at(problems, DEPTH)
    assert errors_only(problems) == []
    assert len(found) == int(warned)
    if warned:
        assert found[0].severity is Severity.WARNING
        assert "above the clinic's warning level" in found[0].message


def test_pen_deeper_than_pens_reach_is_a_warning():
    session = with_zone(a_full_session(), zone=FacialZone.ACNE_SCARS, depth_mm=2.55)
    messages = [p.message for p in at(validate_session(session), DEPTH)]
    assert any("beyond what most microneedling pens reach (2.5 mm)" in m for m in messages)
    rf = step(session, "needling", device_type=DeviceType.RF)
    assert not any("pens reach" in p.message for p in validate_session(rf))


@pytest.mark.parametrize("passes, ok", [(0, False), (1, True), (40, True), (41, False)])
def test_passes(passes, ok):
    found = at(validate_session(with_zone(a_full_session(), passes=passes)),
               "needling.zones[0].passes")
    assert (found == []) is ok
    if not ok:
        assert found[0].message == (
            f"Passes for Forehead must be a whole number from 1 to 40; got {passes}.")


@pytest.mark.parametrize("erythema, ok", [(None, True), (-1, False), (0, True), (4, True),
                                          (5, False)])
def test_erythema(erythema, ok):
    found = at(validate_session(with_zone(a_full_session(), erythema=erythema)),
               "needling.zones[0].erythema")
    assert (found == []) is ok
    if not ok:
        assert found[0].message == (
            f"Erythema for Forehead must be between 0 and 4 (0 = none, 4 = intense); "
            f"got {erythema}.")


@pytest.mark.parametrize("pulse, ok", [(None, True), (0.0, True), (1000.0, True),
                                       (-0.5, False), (1000.5, False), (math.nan, False)])
def test_rf_pulse_width(pulse, ok):
    found = at(validate_session(with_zone(a_full_session(), rf_pulse_ms=pulse)),
               "needling.zones[0].rf_pulse_ms")
    assert (found == []) is ok
    if not ok:
        assert "RF pulse width (ms) for Forehead must be between 0 and 1000 ms" in found[0].message


@pytest.mark.parametrize("field, limit", [("speed", 200), ("technique", 200),
                                          ("rf_energy", 200), ("note", 20_000)])
def test_zone_text_limits(field, limit):
    assert at(validate_session(with_zone(a_full_session(), **{field: "x" * limit})),
              f"needling.zones[0].{field}") == []
    [problem] = at(validate_session(with_zone(a_full_session(), **{field: "x" * (limit + 1)})),
                   f"needling.zones[0].{field}")
    assert f"at most {limit:,} characters" in problem.message


def test_duplicate_zone_is_refused_on_the_second_row():
    zones = (ZoneTreatment(FacialZone.CHEEKS, 1.0, 3), ZoneTreatment(FacialZone.NOSE, 0.5, 2),
             ZoneTreatment(FacialZone.CHEEKS, 0.75, 2))
    problems = validate_session(step(a_full_session(), "needling", zones=zones))
    [problem] = errors_only(problems)
    assert problem.path == "needling.zones[2].zone"
    assert problem.message == "Zone Cheeks is listed twice; each zone has one row."


# --- Session steps ---------------------------------------------------------------------------


@pytest.mark.parametrize("needles, ok", [(None, True), (0, False), (1, True), (1000, True),
                                         (1001, False)])
def test_cartridge_needle_count(needles, ok):
    found = at(validate_session(step(a_full_session(), "needling", cartridge_needles=needles)),
               "needling.cartridge_needles")
    assert (found == []) is ok
    if not ok:
        assert found[0].message == (
            f"Cartridge needle count must be a whole number from 1 to 1000; got {needles}.")


@pytest.mark.parametrize("step_name, field", [
    ("needling", "cartridge_expiry"), ("serum", "expiry"), ("numbing", "expiry")])
@pytest.mark.parametrize("expiry, expired", [(date(2026, 11, 20), False),
                                             (date(2026, 11, 19), True), (None, False)])
def test_an_expired_lot_needs_a_reason_and_then_warns(step_name, field, expiry, expired):
    session = step(a_full_session(), step_name, **{field: expiry})
    problems = validate_session(session)
    found = at(problems, f"{step_name}.{field}")
    assert len(found) == int(expired)
    if expired:
        assert found[0].is_error and "give a reason to go ahead" in found[0].message
        assert at(problems, "expired_lot_reason")[0].message == (
            "Reason for using an expired lot is required.")
        problems = validate_session(dataclasses.replace(
            session, expired_lot_reason="Only lot in stock; checked with supplier"))
        found = at(problems, f"{step_name}.{field}")
        assert [p.severity for p in found] == [Severity.WARNING]
    assert errors_only(problems) == []


@pytest.mark.parametrize("applied, removed, error, warning", [
    (time(9, 0), time(9, 30), False, False),
    (time(9, 0), time(9, 15), False, False),
    (time(9, 0), time(9, 45), False, False),
    (time(9, 0), time(9, 10), False, True),   # shorter than the typical 15 minutes
    (time(9, 0), time(9, 50), False, True),   # longer than the typical 45 minutes
    (time(9, 30), time(9, 30), True, False),  # removed when applied
    (time(9, 30), time(9, 0), True, False),   # removed before applied
])
def test_numbing_times(applied, removed, error, warning):
    session = step(a_full_session(), "numbing", applied_at=applied, removed_at=removed)
    found = at(validate_session(session), "numbing.removed_at")
    assert [p.severity for p in found] == (
        [Severity.ERROR] * error + [Severity.WARNING] * warning)
    if error:
        assert found[0].message == "Numbing removed at must be later than numbing applied at."
    if warning:
        assert "outside the typical 15–45 min" in found[0].message


@pytest.mark.parametrize("reason, ok", [("", False), ("  ", False), ("Patient declined", True)])
def test_numbing_not_used_needs_a_reason(reason, ok):
    numbing = Numbing(used=False, not_used_reason=reason)
    found = at(validate_session(dataclasses.replace(a_full_session(), numbing=numbing)),
               "numbing.not_used_reason")
    assert (found == []) is ok
    if not ok:
        assert found[0].message == "Reason numbing was not used is required."


@pytest.mark.parametrize("spf, error, warning", [
    (0, True, False), (1, False, True), (29, False, True),
    (30, False, False), (100, False, False), (101, True, False),
])
def test_spf(spf, error, warning):
    found = at(validate_session(step(a_full_session(), "sunscreen", spf=spf)), "sunscreen.spf")
    assert [p.severity for p in found] == (
        [Severity.ERROR] * error + [Severity.WARNING] * warning)
    if error:
        assert found[0].message == f"SPF must be between 1 and 100; got {spf}."
    if warning:
        assert "below the recommended broad-spectrum SPF 30+" in found[0].message


def test_low_spf_is_not_warned_when_sunscreen_is_deferred():
    sunscreen = Sunscreen(spf=15, deferred=True, deferred_reason="RF protocol")
    assert validate_session(dataclasses.replace(a_full_session(), sunscreen=sunscreen)) == []


@pytest.mark.parametrize("reason, ok", [("", False), ("RF protocol: 24 h", True)])
def test_sunscreen_deferred_needs_a_reason(reason, ok):
    sunscreen = Sunscreen(deferred=True, deferred_reason=reason)
    found = at(validate_session(dataclasses.replace(a_full_session(), sunscreen=sunscreen)),
               "sunscreen.deferred_reason")
    assert (found == []) is ok
    if not ok:
        assert found[0].message == "Reason sunscreen was deferred is required."


@pytest.mark.parametrize("next_visit, ok", [(date(2026, 11, 21), True),
                                            (date(2026, 11, 20), False),
                                            (date(2026, 11, 1), False), (None, True)])
def test_next_appointment_after_the_session(next_visit, ok):
    found = at(validate_session(step(a_full_session(), "aftercare", next_appointment=next_visit)),
               "aftercare.next_appointment")
    assert (found == []) is ok
    if not ok:
        assert found[0].message == "Next appointment must be after the session date."


@pytest.mark.parametrize("minutes, ok", [(None, True), (0, False), (1, True), (600, True),
                                         (601, False)])
def test_total_procedure_time(minutes, ok):
    found = at(validate_session(step(a_full_session(), "outcome", total_minutes=minutes)),
               "outcome.total_minutes")
    assert (found == []) is ok
    if not ok:
        assert found[0].message == (
            f"Total procedure time must be from 1 to 600 minutes; got {minutes}.")


@pytest.mark.parametrize("name, ok", [("Dr Roe", True), ("", False), ("x" * 201, False)])
def test_practitioner_required_and_limited(name, ok):
    found = at(validate_session(dataclasses.replace(a_full_session(), practitioner_name=name)),
               "practitioner_name")
    assert (found == []) is ok
    assert all(p.message.startswith("Practitioner ") for p in found)


@pytest.mark.parametrize("path, limit", [
    ("cleansing.product", 200), ("numbing.agent", 200), ("needling.device_serial", 200),
    ("serum.lot", 200), ("sunscreen.product", 200), ("aftercare.instructions", 20_000),
    ("outcome.notes", 20_000), ("pre_checks.note", 20_000),
])
def test_step_text_limits(path, limit):
    name, field = path.split(".")
    assert at(validate_session(step(a_full_session(), name, **{field: "x" * limit})), path) == []
    [problem] = at(validate_session(step(a_full_session(), name, **{field: "x" * (limit + 1)})),
                   path)
    assert f"may hold at most {limit:,} characters" in problem.message


# --- Completeness ----------------------------------------------------------------------------

INCOMPLETE = [
    ("cleansing.done_at", dict(cleansing=Cleansing(product="Cleanser"))),
    ("numbing.agent", dict(numbing=Numbing(used=True, agent="EMLA"))),
    ("needling.device_type", dict(needling=dataclasses.replace(
        a_full_session().needling, device_type=None))),
    ("needling.zones", dict(needling=Needling(device_type=DeviceType.PEN))),
    ("sunscreen.spf", dict(sunscreen=Sunscreen(product="SPF cream"))),
    ("aftercare.given", dict(aftercare=Aftercare(given=False))),
]


@pytest.mark.parametrize("path, changes", INCOMPLETE, ids=[p for p, _ in INCOMPLETE])
def test_a_completed_session_must_be_complete(path, changes):
    session = dataclasses.replace(a_full_session(), **changes)
    [problem] = errors_only(validate_session(session))
    assert problem.path == path
    assert problem.message.split(":")[0] in {
        "Cleansing", "Numbing", "Microneedling", "Sunscreen", "Aftercare"}


@pytest.mark.parametrize("path, changes", INCOMPLETE, ids=[p for p, _ in INCOMPLETE])
def test_a_draft_may_be_incomplete(path, changes):
    session = dataclasses.replace(a_full_session(), status=SessionStatus.DRAFT, **changes)
    assert errors_only(validate_session(session)) == []


def test_completeness_lists_every_missing_step_in_procedure_order():
    empty = dataclasses.replace(a_full_session(), cleansing=Cleansing(), numbing=Numbing(),
                                needling=Needling(), sunscreen=Sunscreen(),
                                aftercare=Aftercare())
    assert [p.path for p in completeness_problems(empty)] == [
        "cleansing.done_at", "numbing.agent", "needling.device_type", "needling.zones",
        "sunscreen.spf", "aftercare.given"]


def test_every_problem_is_reported_at_once():
    session = with_zone(a_full_session(), depth_mm=0.0, passes=41, erythema=9)
    session = step(session, "sunscreen", spf=0)
    paths = {p.path for p in errors_only(validate_session(session))}
    assert paths == {DEPTH, "needling.zones[0].passes", "needling.zones[0].erythema",
                     "sunscreen.spf"}


# -- session date against the patient's birth and today --------------------------------
@pytest.mark.parametrize("session_day, ok", [
    (date(2026, 11, 24), True), (date(2026, 11, 25), False),
    (date(1985, 4, 12), True), (date(1985, 4, 11), False),
])
def test_session_date_lies_between_birth_and_today(session_day, ok):
    from tests.factories import a_full_session as _session

    problems = validate_session(_session(session_date=session_day),
                                born=date(1985, 4, 12), today=date(2026, 11, 24))
    dated = [p for p in problems if p.path == "session_date"]
    assert (dated == []) is ok
    if not ok:
        assert "Session date cannot be" in dated[0].message
