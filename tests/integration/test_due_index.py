"""The due list reads each open course's stored due day through an index: it lists
exactly the courses the sessions make due, as sessions and courses change, on both
backends; it reads only the rows asked for; and an older file gets the days computed."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest

from practitioner_app.domain.course import CourseStatus
from practitioner_app.domain.enums import SessionStatus
from tests.factories import a_patient
from tests.integration.test_courses import _course, _session
from tests.integration.test_search_plans import server_plans, sqlite_plans
from tests.server_helpers import is_server, query, sql

TODAY = date.today()


def expected_due(services, within_days: int) -> list[tuple]:
    """The due list worked out from each patient's courses and given sessions, as the
    Courses window shows them: what the stored days must agree with."""
    until = services.courses._today() + timedelta(days=within_days)  # the services' day
    rows = []
    for patient_id in services.patients.search(""):
        patient = services.patients.get(patient_id)
        for course in services.courses.courses(patient_id):
            given = services.courses.given_sessions(patient_id, course.number)
            if course.status is not CourseStatus.OPEN or not given \
                    or len(given) >= course.planned_sessions:
                continue
            last = max(s.session_date for s in given)
            due_on = last + timedelta(days=course.min_interval_days)
            if due_on <= until:
                rows.append((due_on, patient.full_name, patient_id, course.number,
                             len(given), last))
    return sorted(rows, key=lambda row: row[:2])


def listed(services, within_days: int, limit: int | None = None) -> list[tuple]:
    return [(r.due_on, r.full_name, r.patient_id, r.course_number, r.sessions_done,
             r.last_session) for r in services.courses.due(within_days, limit)]


def assert_due_list_agrees(services) -> None:
    for within in (0, 10, 365):
        assert listed(services, within) == expected_due(services, within), within


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_the_due_list_follows_every_change_of_sessions_and_courses(services):
    register = services.patients.register
    ann = register(a_patient(number="P000001", full_name="Ann Two Given"))
    bob = register(a_patient(number="P000002", full_name="Bob Draft Only"))
    cy = register(a_patient(number="P000003", full_name="Cy All Given"))
    dee = register(a_patient(number="P000004", full_name="Dee Two Courses"))
    services.courses.save(ann.id, _course())
    services.sessions.save(ann.id, _session(days_ago(70)))
    ann_last = services.sessions.save(ann.id, _session(days_ago(40)))
    services.courses.save(bob.id, _course())
    services.sessions.save(bob.id, _session(days_ago(50), status=SessionStatus.DRAFT))
    services.courses.save(cy.id, _course(planned_sessions=1))
    services.sessions.save(cy.id, _session(days_ago(60)))
    services.courses.save(dee.id, _course())
    services.sessions.save(dee.id, _session(days_ago(200)))
    services.courses.stop(dee.id, 1, "moved on to another plan")
    services.courses.save(dee.id, _course(started_on=days_ago(30), min_interval_days=21))
    dee_session = services.sessions.save(dee.id, _session(days_ago(25), course=2))
    assert [row[1] for row in listed(services, 10)] == ["Ann Two Given", "Dee Two Courses"]
    assert_due_list_agrees(services)

    # A session's date edited, a session moved to another course, a draft completed.
    services.sessions.save(ann.id, dataclasses.replace(ann_last, session_date=days_ago(20)))
    assert_due_list_agrees(services)
    services.sessions.save(dee.id, dataclasses.replace(dee_session, course_number=1))
    assert_due_list_agrees(services)
    [bob_draft] = services.sessions.for_patient(bob.id)
    services.sessions.save(bob.id, dataclasses.replace(bob_draft, status=SessionStatus.COMPLETED))
    assert "Bob Draft Only" in [row[1] for row in listed(services, 0)]
    assert_due_list_agrees(services)

    # The plan changed: a longer interval, more sessions; a course completed; archived.
    [ann_course] = services.courses.courses(ann.id)
    services.courses.save(ann.id, dataclasses.replace(ann_course, min_interval_days=60))
    assert_due_list_agrees(services)
    [cy_course] = services.courses.courses(cy.id)
    services.courses.save(cy.id, dataclasses.replace(cy_course, planned_sessions=3))
    assert "Cy All Given" in [row[1] for row in listed(services, 0)]
    assert_due_list_agrees(services)
    services.courses.complete(cy.id, 1)
    services.patients.archive(bob.id, "moved away")
    assert [row[1] for row in listed(services, 365)] == ["Ann Two Given"]
    assert_due_list_agrees(services)


def test_the_due_list_reads_as_many_rows_as_asked_soonest_first(services):
    for n in range(6):
        patient = services.patients.register(a_patient(number=f"P{n + 1:06d}",
                                                       full_name=f"Patient {5 - n}"))
        services.courses.save(patient.id, _course())
        services.sessions.save(patient.id, _session(days_ago(45 + n % 3)))
    everyone = listed(services, 0)
    assert len(everyone) == 6 and everyone == expected_due(services, 0)
    assert listed(services, 0, limit=4) == everyone[:4]
    assert listed(services, 0, limit=1) == everyone[:1]


def test_courses_written_by_plain_sql_get_their_due_day(services, database):
    """The demo clinic inserts courses and sessions in bulk, without the repositories."""
    patient = services.patients.register(a_patient(number="P000001", full_name="Bulk Written"))
    sql(database,
        ("INSERT INTO courses (patient_id, number, started_on, planned_sessions, "
         "min_interval_days, indications, target_zones, notes, status, stopped_reason, "
         "version) VALUES (?, 1, ?, 3, 30, '', '', '', 'open', '', 0)",
         (patient.id, days_ago(90).isoformat())))
    sql(database, ("UPDATE treatment_sessions SET course_number = 1 WHERE patient_id = ?",
                   (patient.id,)))
    assert listed(services, 0) == []  # no session given yet
    services.sessions.save(patient.id, _session(days_ago(45)))
    assert [(row[0], row[1]) for row in listed(services, 0)] == [
        (days_ago(15), "Bulk Written")]
    assert query(database, "SELECT due_on FROM courses")[0][0] in (
        days_ago(15), days_ago(15).isoformat())


def test_the_due_list_seeks_the_due_index_and_stops_at_the_rows_shown(services, database):
    """SQLite's plan for the due list:

        SEARCH courses USING INDEX ix_courses_due_on (due_on<?)
        SEARCH patients USING INTEGER PRIMARY KEY (rowid=?)
        CORRELATED SCALAR SUBQUERY 1
        SEARCH treatment_sessions USING COVERING INDEX ix_treatment_sessions_course
            (patient_id=? AND course_number=? AND status=?)
        CORRELATED SCALAR SUBQUERY 2
        SEARCH treatment_sessions USING COVERING INDEX ix_treatment_sessions_course
            (patient_id=? AND course_number=? AND status=?)
        USE TEMP B-TREE FOR RIGHT PART OF ORDER BY

    Courses come in due order from the index (only patients due the same day are put in
    name order), so reading stops at the limit, and each course's sessions are counted
    from an index, no session row read; the server's plan reads the same index."""
    for n in range(3):
        patient = services.patients.register(a_patient(number=f"P{n + 1:06d}"))
        services.courses.save(patient.id, _course())
        services.sessions.save(patient.id, _session(days_ago(40 + n)))
    assert len(services.courses.due(7, 2)) == 2
    if is_server(database):
        [(_statement, plan)] = server_plans(services, lambda: services.courses.due(7, 2))
        assert any("ix_courses_due_on" in line for line in plan), plan
        assert not any(re.search(r"Seq Scan on (courses|patients|treatment_sessions)", line)
                       for line in plan), plan
        return
    [(_statement, plan)] = sqlite_plans(services, lambda: services.courses.due(7, 2))
    assert "SEARCH courses USING INDEX ix_courses_due_on (due_on<?)" in plan, plan
    assert not any(re.match(r"SCAN (courses|patients|treatment_sessions)\b", line)
                   for line in plan), plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # never sorts every due course
    assert plan.count("SEARCH treatment_sessions USING COVERING INDEX "
                      "ix_treatment_sessions_course (patient_id=? AND course_number=? AND "
                      "status=?)") == 2, plan


@pytest.mark.sqlite_only  # the migration of an older file, with Alembic on the file
def test_an_older_file_gets_the_due_days_and_the_search_index(services, db_path, tmp_path):
    from alembic import command
    from alembic.config import Config

    from practitioner_app.persistence import migrator, triggers
    from practitioner_app.persistence.engine import make_engine

    for n, last in enumerate((20, 35, 50)):
        patient = services.patients.register(a_patient(number=f"P{n + 1:06d}",
                                                       full_name=f"Old File {n}"))
        services.courses.save(patient.id, _course())
        services.sessions.save(patient.id, _session(days_ago(last)))
    before = listed(services, 7)
    services.close()
    engine = make_engine(db_path, foreign_keys=False)
    try:
        with engine.begin() as connection:  # back to the schema before this change
            config = Config()
            config.set_main_option("script_location", str(migrator.MIGRATIONS_DIR))
            config.attributes["connection"] = connection
            triggers.drop_all(connection)
            command.downgrade(config, "0008_audit_indexes")
    finally:
        engine.dispose()
    assert "due_on" not in {r[1] for r in query(db_path, "PRAGMA table_info(courses)")}

    assert migrator.migrate(db_path, tmp_path / "backups") is not None
    from practitioner_app.services.container import open_services

    again = open_services(db_path)
    try:
        assert listed(again, 7) == before and len(before) == 2
        assert again.patients.search("old file p000003") == [before[0][2]]
        assert again.patients.suggest_number() == "P000004"
    finally:
        again.close()
