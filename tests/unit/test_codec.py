"""domain/codec.py: records to plain JSON values and back, and every way decoding refuses."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime, time
from enum import Enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practitioner_app.domain.codec import from_plain, to_plain
from practitioner_app.domain.enums import Concern, FacialZone
from practitioner_app.domain.patient import Patient
from practitioner_app.domain.session import TreatmentSession, ZoneTreatment
from tests.factories import HOSTILE_NAMES, a_full_session, a_patient


def through_json(record):
    """`record` encoded, written as JSON text, read back and decoded."""
    text = json.dumps(to_plain(record), ensure_ascii=False)
    return from_plain(type(record), json.loads(text))


def test_full_session_round_trips():
    assert through_json(a_full_session()) == (a_full_session(), [])


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_patient_round_trips_with_any_name(name):
    patient = a_patient(full_name=name)
    assert through_json(patient) == (patient, [])


def test_plain_form_leaves_out_database_ids_and_keeps_field_order():
    plain = to_plain(dataclasses.replace(a_full_session(), id=7, patient_id=3))
    assert "id" not in plain and "patient_id" not in plain
    assert list(plain) == [f.name for f in dataclasses.fields(TreatmentSession)
                           if f.name not in ("id", "patient_id", "version")]
    assert plain["needling"]["zones"][0] == {
        "zone": "forehead", "depth_mm": 0.5, "passes": 3, "speed": "8", "technique": "Stamping",
        "erythema": 2, "bleeding": "none", "oedema": "mild", "rf_energy": "", "rf_pulse_ms": None,
        "note": "Even"}
    assert plain["numbing"]["applied_at"] == "09:10:00"
    assert plain["session_date"] == "2026-11-20"


def test_sets_are_written_in_declaration_order_whatever_the_insertion_order():
    patient = a_patient(concerns=frozenset({Concern.SUN_DAMAGE, Concern.ACNE_SCARS,
                                            Concern.FINE_LINES}))
    assert to_plain(patient)["concerns"] == ["acne_scars", "fine_lines", "sun_damage"]


def test_whole_numbers_are_accepted_where_a_number_is_expected():
    plain = to_plain(ZoneTreatment(FacialZone.CHEEKS, 1.0, 3))
    plain["depth_mm"] = 1
    zone, problems = from_plain(ZoneTreatment, plain)
    assert problems == [] and zone.depth_mm == 1.0 and isinstance(zone.depth_mm, float)


@pytest.mark.parametrize("path, value, message", [
    ("depth_mm", "deep", "must be a number; got 'deep'."),
    ("depth_mm", True, "must be a number; got True."),
    ("passes", 2.5, "must be a whole number; got 2.5."),
    ("passes", False, "must be a whole number; got False."),
    ("speed", 8, "must be text; got 8."),
    ("zone", "ear", "must be one of: forehead, periorbital, nose, cheeks, perioral, chin_jaw, "
                    "neck, acne_scars; got 'ear'."),
])
def test_wrong_values_are_named_with_their_path(path, value, message):
    plain = to_plain(ZoneTreatment(FacialZone.CHEEKS, 1.0, 3))
    plain[path] = value
    zone, problems = from_plain(ZoneTreatment, plain, "$.z")
    assert zone is None
    assert [(p.path, p.message) for p in problems] == [(f"$.z.{path}", message)]


def test_every_problem_in_a_nested_record_is_reported_with_its_json_path():
    plain = to_plain(a_full_session())
    plain["session_date"] = "20/11/2026"
    plain["numbing"]["applied_at"] = "9am"
    plain["needling"]["zones"][1]["depth_mm"] = None
    plain["needling"]["zones"][1]["colour"] = "red"
    del plain["needling"]["zones"][0]["passes"]
    plain["pre_checks"]["sun_avoided"] = "yes"
    plain["sunscreen"] = []
    session, problems = from_plain(TreatmentSession, plain)
    assert session is None
    assert {(p.path, p.message) for p in problems} == {
        ("$.session_date", "must be a date as YYYY-MM-DD; got '20/11/2026'."),
        ("$.numbing.applied_at", "must be a time as HH:MM:SS; got '9am'."),
        ("$.needling.zones[1].depth_mm", "must be a number; got None."),
        ("$.needling.zones[1].colour", "is not a known field."),
        ("$.needling.zones[0].passes", "is required."),
        ("$.pre_checks.sun_avoided", "must be true or false; got 'yes'."),
        ("$.sunscreen", "must be an object."),
    }


def test_a_list_is_required_where_the_record_has_a_list():
    plain = to_plain(a_patient())
    plain["concerns"] = "acne_scars"
    patient, problems = from_plain(Patient, plain, "$.patient")
    assert patient is None
    assert [(p.path, p.message) for p in problems] == [("$.patient.concerns", "must be a list.")]


def test_optional_fields_may_be_left_out_and_take_their_defaults():
    session, problems = from_plain(
        TreatmentSession, {"session_date": "2026-11-20", "practitioner_name": "Dr Roe"})
    assert problems == []
    assert session == TreatmentSession(date(2026, 11, 20), "Dr Roe")


def test_a_non_object_top_level_is_refused():
    assert from_plain(Patient, ["not", "an", "object"], "$.patient")[1][0].message == (
        "must be an object.")


# --- Property: any record survives the trip through JSON ---------------------------------

_FINITE = st.floats(allow_nan=False, allow_infinity=False)


def _strategy(tp) -> st.SearchStrategy:
    """Values of type `tp` that JSON can carry (finite floats, naive times)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return st.none() | _strategy(inner)
    if origin in (tuple, frozenset):
        items = st.lists(_strategy(typing.get_args(tp)[0]), max_size=3)
        return items.map(origin)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return st.builds(tp, **{f.name: _strategy(hints[f.name])
                                for f in dataclasses.fields(tp)
                                if f.name not in ("id", "patient_id")})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from(tp)
    return {bool: st.booleans(), int: st.integers(), float: _FINITE, str: st.text(),
            date: st.dates(), time: st.times(), datetime: st.datetimes()}[tp]


@settings(max_examples=150, deadline=None)
@given(_strategy(TreatmentSession))
def test_any_session_round_trips_through_json(session):
    assert through_json(session) == (session, [])


@settings(max_examples=150, deadline=None)
@given(_strategy(Patient))
def test_any_patient_round_trips_through_json(patient):
    assert through_json(patient) == (patient, [])
