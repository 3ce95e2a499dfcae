"""ExchangeService: the versioned patient document, out and back in, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from practitioner_app.domain.codec import to_plain
from practitioner_app.domain.enums import Fitzpatrick, SessionStatus
from practitioner_app.domain.errors import DuplicatePatientNumber, NotFound, Severity
from practitioner_app.services.container import open_services
from practitioner_app.services.exchange import FORMAT, InvalidDocument, dumps, parse_json
from tests.conftest import NOW
from tests.factories import HOSTILE_NAMES, a_full_session, a_patient
from tests.safety_helpers import counts
from tests.server_helpers import is_server, sql

EMPTY = {"patients": 0, "treatment_sessions": 0, "zone_treatments": 0}


@pytest.fixture
def other_db(new_database):
    """A second, empty database, on the same backend as `database`."""
    return new_database("other")


@pytest.fixture
def other(other_db):
    """The services of `other_db`, to import into."""
    opened = open_services(other_db, clock=lambda: NOW)
    yield opened
    opened.close()


@pytest.fixture
def recorded(services):
    """P000101 with three sessions, saved out of date order, the last a draft."""
    patient = services.patients.register(a_patient())
    for day in (date(2026, 10, 23), date(2026, 8, 28), date(2026, 9, 25)):
        services.sessions.save(patient.id, a_full_session(session_date=day))
    services.sessions.save(patient.id, a_full_session(
        session_date=date(2026, 11, 20), status=SessionStatus.DRAFT))
    return patient


def test_the_document_holds_the_whole_record_without_database_ids(services, recorded):
    document = services.exchange.export_document("P000101")
    assert list(document) == ["format", "version", "patient", "courses", "sessions"]
    assert document["format"] == FORMAT == "practitioner-app.patient"
    assert document["version"] == 4
    assert document["patient"]["full_name"] == "Ana Martínez"
    assert [s["session_date"] for s in document["sessions"]] == [
        "2026-08-28", "2026-09-25", "2026-10-23", "2026-11-20"]  # oldest first
    assert document["sessions"][3]["status"] == "draft"
    assert document["sessions"][0]["needling"]["zones"][1]["depth_mm"] == 1.5
    text = dumps(document)
    assert '"id"' not in text and '"patient_id"' not in text
    assert "Ana Martínez" in text  # UTF-8 as is, not \u escapes


def test_export_import_export_is_byte_identical(services, recorded, other, other_db):
    first = dumps(services.exchange.export_document("P000101"))
    result = other.exchange.import_document(parse_json(first))
    assert result.patient.number == "P000101" and result.sessions == 4
    assert dumps(other.exchange.export_document("P000101")) == first
    assert counts(other_db) == {
        "patients": 1, "treatment_sessions": 4, "zone_treatments": 8}


def test_imported_records_equal_the_originals(services, recorded, other):
    other.exchange.import_document(services.exchange.export_document("P000101"))
    imported = other.patients.get_by_number("P000101")
    assert imported == services.patients.get(recorded.id)
    assert other.sessions.for_patient(imported.id) == services.sessions.for_patient(recorded.id)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_survive_export_and_import_exactly(services, other, name):
    patient = services.patients.register(a_patient(full_name=name))
    services.sessions.save(patient.id, a_full_session(practitioner_name=name))
    text = dumps(services.exchange.export_document("P000101"))
    other.exchange.import_document(parse_json(text))
    imported = other.patients.get_by_number("P000101")
    assert imported.full_name == name
    assert other.sessions.for_patient(imported.id)[0].practitioner_name == name
    assert dumps(other.exchange.export_document("P000101")) == text


def a_document() -> dict:
    """A valid document for P000101 with two sessions, as plain JSON values."""
    return {"format": FORMAT, "version": 1, "patient": to_plain(a_patient()),
            "sessions": [to_plain(a_full_session(session_date=date(2026, 9, 1))),
                         to_plain(a_full_session(session_date=date(2026, 10, 1)))]}


def test_an_invalid_document_lists_every_problem_and_writes_nothing(other, other_db):
    document = a_document()
    document["patient"]["number"] = "#101"
    document["patient"]["date_of_birth"] = "2030-01-01"
    document["patient"]["fitzpatrick"] = "IV"                       # a warning only
    zones = document["sessions"][1]["needling"]["zones"]
    zones[0]["depth_mm"] = 0
    zones[1]["passes"] = 41
    zones[1]["bleeding"] = "lots"
    document["sessions"][0]["sunscreen"]["spf"] = 101
    document["sessions"][0]["numbing"]["removed_at"] = "09:00:00"   # before applied
    del document["sessions"][0]["practitioner_name"]
    document["extra"] = True

    with pytest.raises(InvalidDocument) as raised:
        other.exchange.import_document(document)

    errors = {p.path: p.message for p in raised.value.problems}
    # The range rules (SPF, numbing times, depth) need a decoded session, so for these two
    # sessions they are reported once the decoding problems are fixed (next test).
    assert set(errors) == {
        "$.extra", "$.patient.number", "$.patient.date_of_birth",
        "$.sessions[0].practitioner_name", "$.sessions[1].needling.zones[1].bleeding"}
    assert errors["$.sessions[1].needling.zones[1].bleeding"].startswith(
        "must be one of: none, scattered, uniform")
    assert [(p.path, p.severity) for p in raised.value.warnings] == [
        ("$.patient.fitzpatrick", Severity.WARNING)]
    assert counts(other_db) == EMPTY


def test_rule_breaks_in_decodable_sessions_are_named_with_their_json_paths(other, other_db):
    document = a_document()
    zones = document["sessions"][1]["needling"]["zones"]
    zones[0]["depth_mm"] = 0
    zones[1]["passes"] = 41
    document["sessions"][0]["sunscreen"]["spf"] = 101
    document["sessions"][0]["numbing"]["removed_at"] = "09:00:00"

    with pytest.raises(InvalidDocument) as raised:
        other.exchange.import_document(document)

    errors = {p.path: p.message for p in raised.value.problems}
    assert set(errors) == {
        "$.sessions[1].needling.zones[0].depth_mm", "$.sessions[1].needling.zones[1].passes",
        "$.sessions[0].sunscreen.spf", "$.sessions[0].numbing.removed_at"}
    assert "greater than 0 and at most 3.5 mm; got 0" in \
        errors["$.sessions[1].needling.zones[0].depth_mm"]
    assert "from 1 to 40; got 41" in errors["$.sessions[1].needling.zones[1].passes"]
    assert counts(other_db) == EMPTY


def test_warnings_do_not_block_an_import(other, other_db):
    document = a_document()
    document["patient"]["fitzpatrick"] = Fitzpatrick.VI.value
    document["sessions"][0]["needling"]["zones"][0]["depth_mm"] = 1.0  # forehead warns > 0.75
    result = other.exchange.import_document(document)
    assert [p.path for p in result.warnings] == [
        "$.patient.fitzpatrick", "$.sessions[0].needling.zones[0].depth_mm"]
    assert counts(other_db)["treatment_sessions"] == 2


@pytest.mark.parametrize("change, path, words", [
    (dict(version=5), "$.version",
     "must be 1, 2, 3 or 4; got 5. This program reads version 1, 2, 3 or 4"),
    (dict(version="1"), "$.version", "must be 1, 2, 3 or 4; got '1'"),
    (dict(format="something.else"), "$.format", "not a practitioner-app patient export"),
    (dict(sessions={}), "$.sessions", "must be a list"),
])
def test_another_format_or_version_is_refused_before_reading_on(other, other_db, change,
                                                                    path, words):
    document = {**a_document(), **change}
    with pytest.raises(InvalidDocument) as raised:
        other.exchange.import_document(document)
    [problem] = raised.value.problems
    assert problem.path == path and words in problem.message
    assert counts(other_db) == EMPTY


def test_missing_parts_and_non_objects_are_named(other):
    with pytest.raises(InvalidDocument) as raised:
        other.exchange.import_document({"format": FORMAT, "version": 1})
    assert [p.path for p in raised.value.problems] == ["$.patient", "$.sessions"]
    with pytest.raises(InvalidDocument) as raised:
        other.exchange.import_document([1, 2])
    assert raised.value.problems[0].path == "$"


def test_text_that_is_not_json_is_named_with_line_and_column():
    with pytest.raises(InvalidDocument) as raised:
        parse_json('{\n  "format": }')
    assert raised.value.problems[0].message.startswith("Not valid JSON: Expecting value at "
                                                       "line 2, column 13")


def test_an_existing_patient_number_is_refused_and_nothing_is_written(services, recorded,
                                                                      database):
    before = counts(database)
    document = services.exchange.export_document("P000101")
    document["patient"]["full_name"] = "Someone Else"
    with pytest.raises(DuplicatePatientNumber, match="P000101"):
        services.exchange.import_document(document)
    assert counts(database) == before


def test_a_failure_part_way_through_leaves_no_rows(other, other_db):
    """A database fault on the second session's zone rows, after the patient and the first
    session were written, must undo them too."""
    if is_server(other_db):  # a constraint's error code, as SQLite's RAISE(ABORT) gives
        sql(other_db, "CREATE FUNCTION refuse_zone() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$ BEGIN RAISE EXCEPTION 'injected fault' "
                      "USING ERRCODE = 'integrity_constraint_violation'; END $$",
            "CREATE TRIGGER refuse_zone BEFORE INSERT ON zone_treatments FOR EACH ROW "
            "WHEN (NEW.note = 'fault') EXECUTE FUNCTION refuse_zone()")
    else:
        sql(other_db, "CREATE TRIGGER refuse_zone BEFORE INSERT ON zone_treatments WHEN "
                      "NEW.note = 'fault' BEGIN SELECT RAISE(ABORT, 'injected fault'); END")
    document = a_document()
    document["sessions"][1]["needling"]["zones"][0]["note"] = "fault"

    with pytest.raises(IntegrityError, match="injected fault"):
        other.exchange.import_document(document)
    assert counts(other_db) == EMPTY


def test_export_of_an_unknown_number_is_not_found(services):
    with pytest.raises(NotFound, match="P404"):
        services.exchange.export_document("P404")


def test_an_imported_session_is_checked_against_this_clinics_guidance(other, other_db):
    sql(other_db, "UPDATE zone_guidance SET warn_above_mm = 0.4 WHERE zone = 'forehead'")
    result = other.exchange.import_document(a_document())
    assert {p.path for p in result.warnings} == {
        "$.sessions[0].needling.zones[0].depth_mm", "$.sessions[1].needling.zones[0].depth_mm"}
