"""The queries behind the windows use indexes: checked with EXPLAIN QUERY PLAN on the very
statements the services send (captured from the engine), never with a timing.

At clinic scale a query that reads a whole table costs tens to hundreds of milliseconds
(a patient's session list that aggregated every zone row took 130 ms at 50,000
sessions); with an index it costs well under one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from tests.benchmarks.bench_reports import a_series
from tests.factories import a_patient
from tests.sql_capture import sent_sql

# About the embedded SQLite file's own mechanism (its bytes, locks, PRAGMAs, query plans).
pytestmark = pytest.mark.sqlite_only

#: `SCAN t ...` reads every row of t, in table or in index order; `SEARCH t ...` seeks.
_SCAN = re.compile(r"^SCAN (\w+)\b")


def plans(services, call: Callable[[], object]) -> list[tuple[str, list[str]]]:
    """(SQL, query plan lines) of every SELECT that `call` makes."""
    with sent_sql(services, selects_only=True) as statements:
        call()
    assert statements, "the call sent no query"
    engine = services._database.engine
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        return [(sql, [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params)])
                for sql, params in statements]


def growing_tables(services) -> set[str]:
    """Tables that grow with the clinic: patients and every table referring to patients or
    to sessions. A full scan of a settings table of a dozen rows is harmless."""
    with services._database.engine.connect() as connection:
        raw = connection.connection.driver_connection
        tables = [r[0] for r in raw.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {"patients", *(t for t in tables
                              for fk in raw.execute(f'PRAGMA foreign_key_list("{t}")')
                              if fk[2] in ("patients", "treatment_sessions"))}


def full_scans(plan: list[str], growing: set[str]) -> list[str]:
    """The lines of `plan` that read every row of a growing table (through an index or
    not)."""
    return [line for line in plan
            if (m := _SCAN.match(line)) and re.sub(r"_\d+$", "", m.group(1)) in growing]


@pytest.fixture
def clinic(services):
    """A small clinic (index use does not depend on size) and one patient with a series."""
    services.demo.generate(30, seed=3)
    patient = services.patients.register(a_patient(number="QP-1", full_name="Query Plan"))
    saved = [services.sessions.save(patient.id, s) for s in a_series(4)]
    return services, patient, saved


# Words held by many patients (every number holds "p0000" here); rarer words go through
# the trigram index first (tests/integration/test_search_index.py).
@pytest.mark.parametrize("query", ["", "p0000"])
def test_patient_search_reads_the_name_index_in_order(clinic, query):
    services, _patient, _saved = clinic
    for sql, plan in plans(services, lambda: services.patients.search(query)):
        if "FROM patients" not in sql:
            continue
        # A word may match anywhere in a name, so the search reads the folded-name index
        # from end to end; the index gives the name order, so matches are never sorted.
        assert any(line.startswith(("SCAN patients USING", "SEARCH patients USING"))
                   and "INDEX" in line for line in plan), plan
        # The default list skips archived patients inside the index itself.
        assert any("COVERING INDEX ix_patients_archived_search" in line for line in plan), plan
        assert not any("TEMP B-TREE FOR ORDER BY" in line for line in plan), plan
        others = full_scans(plan, growing_tables(services) - {"patients"})
        assert not others, plan


def test_patient_list_rows_find_last_session_by_index(clinic):
    services, patient, _saved = clinic
    ids = services.patients.search("")[:40]
    for _sql, plan in plans(services, lambda: services.patients.rows(ids)):
        assert not full_scans(plan, growing_tables(services)), plan
        assert any("treatment_sessions USING" in line and "INDEX" in line
                   for line in plan), plan


def test_a_patients_session_list_uses_indexes(clinic):
    services, patient, saved = clinic
    found = plans(services, lambda: services.sessions.rows_for_patient(patient.id))
    assert len(services.sessions.rows_for_patient(patient.id)) == len(saved)
    for _sql, plan in found:
        assert not full_scans(plan, growing_tables(services)), plan
        assert not any(line.startswith("MATERIALIZE") for line in plan), plan
    lines = [line for _sql, plan in found for line in plan]
    assert any(line.startswith("SEARCH") and "treatment_sessions" in line
               and "(patient_id=?)" in line for line in lines), lines
    assert any(line.startswith("SEARCH") and "zone_treatments" in line
               and "(session_id=?)" in line for line in lines), lines


@pytest.mark.parametrize("what", ["one session", "the series"])
def test_session_rows_and_their_child_rows_use_indexes(clinic, what):
    services, patient, saved = clinic
    if what == "one session":
        def call():
            return services.sessions.get(saved[1].id)
    else:
        def call():
            return services.sessions.for_patient(patient.id)
    for _sql, plan in plans(services, call):
        assert not full_scans(plan, growing_tables(services)), plan


def test_a_sessions_place_in_the_series_is_counted_by_index(clinic):
    services, patient, saved = clinic
    session = services.sessions.get(saved[2].id)
    found = plans(services, lambda: services.reports.session_report_data(saved[2].id))
    data = services.reports.session_report_data(saved[2].id)
    assert (data.session_number, data.session_count) == (3, 4)
    assert session.id == saved[2].id
    for _sql, plan in found:
        assert not full_scans(plan, growing_tables(services)), plan


def test_the_counted_place_in_the_series_matches_the_series_order(clinic):
    """Counting replaced loading the series; same-day sessions keep the series order."""
    services, patient, saved = clinic
    same_day = services.sessions.save(patient.id, a_series(2)[1])  # the date of saved[1]
    series = [s.id for s in services.sessions.for_patient(patient.id)]
    for session_id in [*(s.id for s in saved), same_day.id]:
        data = services.reports.session_report_data(session_id)
        assert (data.session_number, data.session_count) == (
            series.index(session_id) + 1, len(series))


def test_the_due_list_looks_up_each_open_course_by_index(clinic):
    """The due list fills the start window's dock at every sign-in: each open course's
    sessions are sought through the patient index, never by reading every session."""
    from tests.integration.test_courses import _course, _session

    services, patient, _saved = clinic
    course = services.courses.save(patient.id, _course())
    services.sessions.save(patient.id, _session(date.today() - timedelta(days=30),
                                                course=course.number))
    found = plans(services, lambda: services.courses.due(7))
    assert patient.id in [row.patient_id for row in services.courses.due(7)]  # demo's too
    lines = [line for _sql, plan in found for line in plan]
    assert not any(_SCAN.match(line) and "treatment_sessions" in line for line in lines), lines
    assert any(line.startswith("SEARCH") and "treatment_sessions" in line
               and "patient_id=?" in line for line in lines), lines
