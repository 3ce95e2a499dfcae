"""Courses of treatment, who is due, recalling the last session, and lot recall."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from datetime import date, timedelta

import pypdf
import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_OK
from practitioner_app.domain.course import Course, CourseStatus
from practitioner_app.domain.enums import Concern, FacialZone
from practitioner_app.domain.errors import ValidationError
from practitioner_app.persistence.record_repositories import recall_statement
from practitioner_app.services.container import open_services
from practitioner_app.services.courses import recall_csv
from practitioner_app.services.exchange import dumps
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient
from tests.server_helpers import (
    LOT_INDEXES,
    is_server,
    lot_indexes_in_binary_order,
    query,
    server_plan,
    sql,
)

TODAY = NOW.date()


@pytest.fixture
def patient(services):
    return services.patients.register(a_patient())


def _course(**overrides):
    values = dict(number=0, started_on=TODAY - timedelta(days=90), planned_sessions=4,
                  min_interval_days=28, indications=frozenset({Concern.ACNE_SCARS}),
                  target_zones=frozenset({FacialZone.CHEEKS}))
    values.update(overrides)
    return Course(**values)


def _session(day: date, course: int | None = 1, **overrides):
    return a_full_session(session_date=day, course_number=course,
                          aftercare=dataclasses.replace(a_full_session().aftercare,
                                                        next_appointment=None), **overrides)


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split())
                    for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_courses_are_numbered_per_patient_and_validated(services, patient):
    first = services.courses.save(patient.id, _course())
    second = services.courses.save(patient.id, _course(planned_sessions=2))
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(ValidationError, match="Planned sessions must be from 1 to 20"):
        services.courses.save(patient.id, _course(planned_sessions=0))
    with pytest.raises(ValidationError, match="Reason the course stopped early"):
        services.courses.stop(patient.id, 1, " ")
    stopped = services.courses.stop(patient.id, 1, "Patient moved away")
    assert stopped.status is CourseStatus.STOPPED
    assert [c.status for c in services.courses.courses(patient.id)] == [
        CourseStatus.STOPPED, CourseStatus.OPEN]


def test_an_early_session_needs_a_reason_kept_and_printed(services, patient):
    services.courses.save(patient.id, _course())
    services.sessions.save(patient.id, _session(TODAY - timedelta(days=40)))
    early = _session(TODAY - timedelta(days=20))
    with pytest.raises(ValidationError, match="8 day\\(s\\) earlier than the course's minimum "
                                              "interval of 28 days"):
        services.sessions.save(patient.id, early)
    saved = services.sessions.save(patient.id, dataclasses.replace(
        early, interval_override_reason="Flare settled; patient travelling next month"))
    text = _text(services.reports.session_report(saved.id))
    assert "Early session Flare settled; patient travelling next month" in text
    assert "Course 1 · Session 2 of 4" in text


def test_due_list_shows_due_and_overdue_open_courses_only(services, patient):
    other = services.patients.register(a_patient(number="P000202", full_name="Bea Due"))
    done = services.patients.register(a_patient(number="P000303", full_name="Cy Done"))
    for who, last in ((patient, 20), (other, 40), (done, 40)):
        services.courses.save(who.id, _course())
        services.sessions.save(who.id, _session(TODAY - timedelta(days=last)))
    services.courses.complete(done.id, 1)

    overdue_only = services.courses.due(0)
    assert [(r.number, r.due_on) for r in overdue_only] == [
        ("P000202", TODAY - timedelta(days=12))]
    within = services.courses.due(10)
    assert [r.number for r in within] == ["P000202", patient.number]
    assert (within[1].sessions_done, within[1].planned_sessions) == (1, 4)
    services.patients.archive(other.id, "Moved")
    assert [r.number for r in services.courses.due(10)] == [patient.number]


def test_the_previous_session_of_a_course_is_offered(services, patient):
    services.courses.save(patient.id, _course())
    first = services.sessions.save(patient.id, _session(TODAY - timedelta(days=60)))
    second = services.sessions.save(patient.id, _session(TODAY - timedelta(days=30)))
    assert services.courses.previous_session(patient.id, 1) == second
    assert services.courses.previous_session(patient.id, 1, before=second.session_date) == first
    assert services.courses.next_due(patient.id, 1) == TODAY - timedelta(days=2)


def test_an_expired_lot_needs_a_reason(services, patient):
    expired = a_full_session(serum=dataclasses.replace(
        a_full_session().serum, expiry=date(2026, 11, 1)))
    with pytest.raises(ValidationError, match="Serum lot expired on 2026-11-01"):
        services.sessions.save(patient.id, expired)
    saved = services.sessions.save(patient.id, dataclasses.replace(
        expired, expired_lot_reason="Only lot in stock; supplier confirmed stability"))
    assert "Expired lot used Only lot in stock" in _text(
        services.reports.session_report(saved.id))


def test_lot_recall_finds_every_use_with_contact_details(services, patient):
    other = services.patients.register(a_patient(number="P000202", full_name="Ζωή Λοτ",
                                                 phone="+30 210 000 0000"))
    base = a_full_session()
    services.sessions.save(patient.id, base)  # serum lot HA-5520
    services.sessions.save(other.id, dataclasses.replace(
        base, needling=dataclasses.replace(base.needling, cartridge_lot="HA-5520"),
        serum=dataclasses.replace(base.serum, lot="OTHER")))
    rows = services.courses.recall("HA-5520")
    assert [(r.patient_number, r.used_as) for r in rows] == [
        (patient.number, "serum"), ("P000202", "cartridge")]
    assert [r.patient_number for r in services.courses.recall("HA-5520", "hyaluronic")] == [
        patient.number]
    csv_text = recall_csv(rows)
    assert csv_text.splitlines()[0].startswith('"patient_number","full_name","phone","email"')
    assert '"Ζωή Λοτ","\'+30 210 000 0000"' in csv_text  # + would start a formula
    assert services.courses.recall("NO-SUCH-LOT") == []


def test_recall_over_a_demo_clinic_is_one_indexed_query(database, capsys):
    db = database
    assert main(["--db", str(db), "demo", "--patients", "1500", "--seed", "4"]) == EXIT_OK
    capsys.readouterr()
    services = open_services(db)
    try:
        lot = services.sessions.for_patient(1)[0].serum.lot
    finally:
        services.close()
    if is_server(db):
        statement = recall_statement(lot, "postgresql")
        assert query(db, f"SELECT count(*) FROM ({_literal(statement)}) AS found")[0][0] >= 1
        if not lot_indexes_in_binary_order(db):
            pytest.xfail("the server's lot indexes are in the database's collation, not "
                         "in binary order (COLLATE \"C\"), so the recall reads the table")
        sql(db, "ANALYZE treatment_sessions")
        plan = server_plan(db, statement)
        print("\n".join(plan))  # shown with -s: the plan is the evidence, not a time
        for index in LOT_INDEXES:
            assert any(f"Bitmap Index Scan on {index}" in step for step in plan), plan
        assert not any("Seq Scan on treatment_sessions" in step for step in plan), plan
        return
    compiled = recall_statement(lot).compile(compile_kwargs={"literal_binds": True})
    con = sqlite3.connect(db)
    try:
        plan = [row[-1] for row in con.execute(f"EXPLAIN QUERY PLAN {compiled}")]
        print("\n".join(plan))  # shown with -s: the plan is the evidence, not a time
        used = con.execute(f"SELECT count(*) FROM ({compiled})").fetchone()[0]
    finally:
        con.close()
    assert any("MULTI-INDEX OR" in step for step in plan)
    for index in LOT_INDEXES:
        assert any(index in step for step in plan), plan
    assert not any(step.startswith("SCAN treatment_sessions") for step in plan)
    assert used >= 1


def _literal(statement) -> str:
    """`statement` as PostgreSQL text, its values written in."""
    from sqlalchemy.dialects import postgresql

    return str(statement.compile(dialect=postgresql.psycopg.dialect(),
                                 compile_kwargs={"literal_binds": True}))


def test_courses_travel_in_the_export_and_old_documents_still_import(services, patient,
                                                                     new_database):
    services.courses.save(patient.id, _course())
    services.courses.save(patient.id, _course(planned_sessions=2, notes="Maintenance"))
    services.sessions.save(patient.id, _session(TODAY - timedelta(days=40), course=2))
    document = services.exchange.export_document(patient.number)
    assert [c["number"] for c in document["courses"]] == [1, 2]
    other = open_services(new_database("other"), clock=lambda: NOW)
    try:
        other.exchange.import_document(document)
        assert dumps(other.exchange.export_document(patient.number)) == dumps(document)
        old = {"format": document["format"], "version": 2,
               "patient": {**document["patient"], "number": "P000999"},
               "sessions": [{k: v for k, v in document["sessions"][0].items()
                             if k not in ("course_number", "interval_override_reason",
                                          "expired_lot_reason")}]}
        for step in ("numbing", "serum"):
            old["sessions"][0][step] = {k: v for k, v in old["sessions"][0][step].items()
                                        if k != "expiry"}
        result = other.exchange.import_document(old)
        assert result.sessions == 1
    finally:
        other.close()


def test_recall_and_due_on_the_command_line(services, patient, database, capsys, tmp_path):
    services.courses.save(patient.id, _course())
    services.sessions.save(patient.id, _session(TODAY - timedelta(days=30)))
    out = tmp_path / "recall.csv"
    assert main(["--db", str(database), "recall", "--lot", "HA-5520", "-o", str(out)]) == EXIT_OK
    assert out.read_text(encoding="utf-8").count("\n") == 2
    assert main(["--db", str(database), "due", "--within", "0"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("NUMBER\tNAME") and lines[1].startswith(f"{patient.number}\t")


def test_the_patient_summary_charts_each_course(services, patient):
    services.courses.save(patient.id, _course())
    services.courses.save(patient.id, _course(planned_sessions=2))
    services.sessions.save(patient.id, _session(TODAY - timedelta(days=100), course=1))
    services.sessions.save(patient.id, _session(TODAY - timedelta(days=40), course=2))
    text = _text(services.reports.patient_summary(patient.id))
    assert "Needle depth per zone — course 1" in text
    assert "Needle depth per zone — course 2" in text
