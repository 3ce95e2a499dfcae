"""The demo generator: valid, varied, reproducible records, added beside existing ones."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from practitioner_app.domain.enums import DeviceType, FacialZone, SessionStatus
from practitioner_app.domain.validation import errors_only, validate_patient, validate_session
from practitioner_app.persistence.mapping import patient_search_key
from practitioner_app.services.container import open_services
from practitioner_app.services.demo import DEMO_MARK
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient
from tests.server_helpers import is_server, query

GREEK = re.compile("[\u0370-\u03ff]")
CYRILLIC = re.compile("[\u0400-\u04ff]")
ACCENTED_LATIN = re.compile("[\u00c0-\u024f]")


def table_rows(path, table: str) -> list[tuple]:
    return query(path, f"SELECT * FROM {table} ORDER BY id")


@pytest.fixture
def demo(services):
    """30 demo patients (seed 1) and their records read back through the services."""
    result = services.demo.generate(30, seed=1)
    patients = services.patients.rows(services.patients.search("", include_archived=True))
    records = [(services.patients.get(row.id), services.sessions.for_patient(row.id))
               for row in patients]
    return result, records


def test_counts_are_reported_and_stored(demo, database):
    result, records = demo
    assert (result.patients, result.first_number, result.last_number) == (30, "P000001",
                                                                          "P000030")
    assert len(records) == 30
    assert result.sessions == sum(len(s) for _, s in records) == len(
        table_rows(database, "treatment_sessions"))
    assert result.zones == len(table_rows(database, "zone_treatments"))
    assert result.seconds > 0


def test_every_record_passes_the_same_rules_as_the_windows(demo, services):
    _, records = demo
    guidance = services.sessions.zone_guidance()
    by_zone = {g.zone: g for g in guidance}
    for patient, sessions in records:
        assert errors_only(validate_patient(patient, NOW.date())) == []
        for session in sessions:
            assert errors_only(validate_session(session, guidance)) == [], session
            for zone in session.needling.zones:
                typical = by_zone[zone.zone]
                assert typical.typical_min_mm <= zone.depth_mm <= typical.typical_max_mm


def test_records_are_varied_like_a_real_clinics(demo):
    _, records = demo
    names = " ".join(patient.full_name for patient, _ in records)
    assert GREEK.search(names) and CYRILLIC.search(names) and ACCENTED_LATIN.search(names)
    sessions = [s for _, series in records for s in series]
    assert {s.needling.device_type for s in sessions} == set(DeviceType)
    assert len({z.zone for s in sessions for z in s.needling.zones}) >= 6
    assert {s.status for s in sessions} == {SessionStatus.DRAFT, SessionStatus.COMPLETED,
                                             SessionStatus.SIGNED}
    assert len({s.practitioner_name for s in sessions}) >= 3
    assert all(p.assessment.startswith(DEMO_MARK) for p, _ in records)
    assert all(1 <= len(series) <= 8 for _, series in records)
    assert 3.5 <= len(sessions) / len(records) <= 6.5


def test_series_are_four_to_six_weeks_apart_and_never_in_the_future(demo):
    """The planned course 4-6 weeks apart, maintenance visits further apart, never
    sooner than the course's minimum interval."""
    _, records = demo
    for _, series in records:
        dates = [s.session_date for s in series]
        assert dates[-1] <= NOW.date()
        assert all(b - a >= timedelta(days=28) for a, b in zip(dates, dates[1:], strict=False))
        planned = [s.session_date for s in series if s.course_number == 1]
        assert all(b - a <= timedelta(days=42)
                   for a, b in zip(planned, planned[1:], strict=False))
        assert all(s.status is SessionStatus.SIGNED for s in series[:-1])


def test_search_keys_are_filled_as_a_save_fills_them(demo, database):
    rows = query(database, "SELECT number, full_name, search_key FROM patients")
    assert len(rows) == 30
    for number, full_name, search_key in rows:
        assert search_key == patient_search_key(full_name, number)


def test_demo_numbers_continue_after_existing_patients(services, database):
    services.patients.register(a_patient(number="P000041"))
    result = services.demo.generate(3, seed=2)
    assert (result.first_number, result.last_number) == ("P000042", "P000044")
    assert sorted(r[0] for r in query(database, "SELECT number FROM patients")) == [
        "P000041", "P000042", "P000043", "P000044"]
    assert services.patients.get_by_number("P000041") == a_patient(number="P000041")


def test_a_second_run_adds_to_the_first(services, database):
    services.demo.generate(5, seed=1)
    services.demo.generate(5, seed=1)
    numbers = sorted(r[0] for r in query(database, "SELECT number FROM patients"))
    assert numbers == [f"P{n:06d}" for n in range(1, 11)]
    if not is_server(database):  # the server checks each reference as it is written
        assert query(database, "PRAGMA foreign_key_check") == []


def test_what_is_saved_after_the_demo_continues_its_ids(services, database):
    """The demo gives its rows their ids; the next patient, session and audit entry the
    app saves take the next ones."""
    services.demo.generate(5, seed=1)
    highest = {t: query(database, f"SELECT max(id) FROM {t}")[0][0]
               for t in ("patients", "treatment_sessions", "zone_treatments", "audit_log")}
    patient = services.patients.register(a_patient(number="P000900"))
    session = services.sessions.save(patient.id, a_full_session())
    assert patient.id == highest["patients"] + 1
    assert session.id == highest["treatment_sessions"] + 1
    assert query(database, "SELECT min(id) FROM zone_treatments WHERE session_id = ?",
                 (session.id,)) == [(highest["zone_treatments"] + 1,)]
    assert services.audit.verify()[1] is None


def dump(path) -> list[list[tuple]]:
    return [table_rows(path, t) for t in ("patients", "treatment_sessions", "zone_treatments")]


def test_the_same_seed_gives_the_same_records(new_database):
    paths = [new_database("a"), new_database("b"), new_database("c")]
    for path, seed in zip(paths, (7, 7, 8), strict=True):
        opened = open_services(path, clock=lambda: NOW)
        opened.demo.generate(20, seed=seed)
        opened.close()
    assert dump(paths[0]) == dump(paths[1])
    assert dump(paths[0]) != dump(paths[2])


def test_every_zone_is_used_in_a_larger_run(services, database):
    services.demo.generate(200, seed=3)
    zones = {r[0] for r in query(database, "SELECT DISTINCT zone FROM zone_treatments")}
    assert zones == {z.value for z in FacialZone}


def test_a_long_established_clinic_has_longer_series_on_request(services, database):
    """The benchmark's ten-year archive: 10 sessions per patient on average."""
    result = services.demo.generate(200, seed=2, sessions_per_patient=10)
    per_patient = query(database, "SELECT count(*) FROM treatment_sessions GROUP BY patient_id")
    counts = [n for (n,) in per_patient]
    assert len(counts) == 200 and min(counts) >= 1 and max(counts) <= 19
    assert 9.0 <= result.sessions / 200 <= 11.0
    assert max(counts) > 8  # longer than the default series ever are
    with pytest.raises(ValueError, match="1–50"):
        services.demo.generate(1, sessions_per_patient=51)


def test_what_the_demo_writes_reads_back_exactly_as_generated(services):
    """The demo writes rows itself (an executemany per table, each value through its
    column type); reading them back through the services gives the records generated."""
    import dataclasses

    from practitioner_app.services.demo import generate_records

    services.demo.generate(15, seed=4, sessions_per_patient=3)
    expected = list(generate_records(15, 4, 1, NOW, sessions_per_patient=3))
    for patient, sessions in ((r.patient, r.sessions) for r in expected):
        stored_id = services.patients.search(patient.number, include_archived=True)[0]
        stored = services.patients.get(stored_id)
        assert dataclasses.replace(stored, id=patient.id) == patient
        read = services.sessions.for_patient(stored_id)
        assert [dataclasses.replace(s, id=None, patient_id=None) for s in read] == [
            dataclasses.replace(s, id=None, patient_id=None) for s in sessions]
