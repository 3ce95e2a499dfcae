"""The clinic's PostgreSQL server as a user meets it: opened by URL, created by the same
migrations, protected by the same rules against plain SQL, checked, backed up and
restored with PostgreSQL's own tools. Runs when the suite has a test server
(PRACTITIONER_APP_TEST_PG, which .ci/run sets)."""

from __future__ import annotations

import json
from datetime import date

import psycopg
import pytest

from practitioner_app.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, PASSWORD_ENV
from practitioner_app.domain.audit import Action
from practitioner_app.domain.signing import Consent
from practitioner_app.persistence import migrator, triggers
from practitioner_app.services.container import open_services
from tests.cli_helpers import cli
from tests.conftest import NOW, TEST_SERVER
from tests.factories import a_full_session, a_patient
from tests.server_helpers import query, sql

pytestmark = pytest.mark.skipif(not TEST_SERVER, reason="no test PostgreSQL server given")

PASSWORD = "correct horse battery"


@pytest.fixture
def server_db(_server_template):
    url = _server_template.create()
    yield url
    _server_template.drop(url)


@pytest.fixture
def empty_server_db(_server_template):
    url = _server_template.empty()
    yield url
    _server_template.drop(url)


@pytest.fixture
def signed(server_db):
    """A clinic on the server with one signed session, its addendum and a consent."""
    services = open_services(server_db, clock=lambda: NOW)
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    patient = services.patients.register(a_patient())
    services.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1),
                                                 "Sam Witness"))
    session = services.sessions.save(patient.id, a_full_session())
    services.sessions.sign(session.id, PASSWORD)
    services.sessions.add_addendum(session.id, "Follow-up", "Seen again by phone.")
    services.close()
    return server_db, session.id


def test_the_first_command_on_an_empty_server_database_creates_the_schema(
        empty_server_db, capsys):
    status, out, err = cli(capsys, empty_server_db, "patients", "list")
    assert status == EXIT_OK, err
    [(revision,)] = query(empty_server_db, "SELECT version_num FROM alembic_version")
    assert revision == migrator.HEAD_REVISION
    names = {r[0] for r in query(empty_server_db,
                                 "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    assert names == {t.name for t in triggers.SERVER_TRIGGERS}


def test_workstations_starting_at_once_migrate_it_once(empty_server_db):
    from concurrent.futures import ThreadPoolExecutor

    def open_and_close(_):
        open_services(empty_server_db).close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(open_and_close, range(4)))
    assert query(empty_server_db, "SELECT count(*) FROM alembic_version") == [(1,)]


@pytest.mark.parametrize("statement", [
    "UPDATE treatment_sessions SET outcome_notes = 'changed' WHERE id = {sid}",
    "DELETE FROM treatment_sessions WHERE id = {sid}",
    "UPDATE zone_treatments SET depth_mm = 2.5 WHERE session_id = {sid}",
    "DELETE FROM zone_treatments WHERE session_id = {sid}",
    "INSERT INTO zone_treatments (session_id, position, zone, depth_mm, passes) "
    "SELECT session_id, 99, zone, depth_mm, passes FROM zone_treatments "
    "WHERE session_id = {sid} LIMIT 1",
    "UPDATE addenda SET text = 'rewritten'",
    "DELETE FROM addenda",
    "UPDATE consents SET witnessed_by = 'nobody'",
    "UPDATE audit_log SET username = 'someone else' WHERE id = 1",
    "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
    "TRUNCATE audit_log",
    "TRUNCATE addenda",
])
def test_plain_sql_cannot_change_a_signed_record_or_the_audit_trail(signed, statement):
    url, session_id = signed
    before = query(url, "SELECT count(*), max(hash) FROM audit_log")
    with pytest.raises(psycopg.Error) as raised:
        sql(url, statement.format(sid=session_id))
    assert ("cannot be changed" in str(raised.value) or "never changed" in str(raised.value)
            or "cannot be deleted" in str(raised.value))
    assert query(url, "SELECT count(*), max(hash) FROM audit_log") == before


def test_a_sound_server_clinic_passes_every_check(signed, capsys):
    url, _ = signed
    status, out, err = cli(capsys, url, "check")
    assert status == EXIT_OK, out + err
    for name in ("schema version", "foreign keys", "audit trail", "signed sessions",
                 "audit ties", "protective triggers"):
        assert f"{name}: ok" in out


def test_a_session_changed_behind_the_triggers_is_caught_and_they_come_back(signed, capsys):
    url, session_id = signed
    # A superuser can switch triggers off; check names what was done, and opening the
    # database puts them back and says so in the audit trail.
    sql(url, "ALTER TABLE treatment_sessions DISABLE TRIGGER signed_session_no_update",
        (f"UPDATE treatment_sessions SET outcome_notes = 'edited later' WHERE id = {session_id}",
         ()))
    status, out, _err = cli(capsys, url, "check")
    assert status == EXIT_FAILURE
    assert f"signed session {session_id}" in out and "no longer matches" in out
    assert "protective trigger signed_session_no_update is altered" in out

    open_services(url, clock=lambda: NOW).close()
    [(details,)] = query(url, "SELECT details FROM audit_log WHERE action = ?",
                         (str(Action.TRIGGERS_RESTORED),))
    assert "signed_session_no_update (altered)" in json.loads(details)["triggers"]
    with pytest.raises(psycopg.Error, match="a signed session cannot be changed"):
        sql(url, f"UPDATE treatment_sessions SET outcome_notes = 'again' WHERE id = {session_id}")


def test_the_audit_trail_verifies_on_the_server(signed, capsys):
    url, _ = signed
    status, out, err = cli(capsys, url, "audit", "verify")
    assert status == EXIT_OK, out + err


def test_a_server_backup_is_a_checked_pg_dump_and_restores_into_an_empty_database(
        signed, empty_server_db, tmp_path, capsys, monkeypatch):
    url, session_id = signed
    target = tmp_path / "clinic.dump"
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    status, out, err = cli(capsys, url, "--user", "jroe", "backup", "-o", str(target))
    assert status == EXIT_OK, err
    assert "pg_restore --list: ok" in out
    assert target.read_bytes()[:5] == b"PGDMP"
    assert not list(tmp_path.glob("*.unfinished-*"))

    status, out, err = cli(capsys, empty_server_db, "restore", str(target))
    assert status == EXIT_OK, err
    for table in ("patients", "treatment_sessions", "addenda", "consents", "audit_log"):
        assert query(empty_server_db, f"SELECT count(*) FROM {table}") == \
            query(url, f"SELECT count(*) FROM {table}")
    status, out, err = cli(capsys, empty_server_db, "check")
    assert status == EXIT_OK, out + err
    # The restored database keeps its protection.
    with pytest.raises(psycopg.Error, match="a signed session cannot be changed"):
        sql(empty_server_db,
            f"UPDATE treatment_sessions SET outcome_notes = 'x' WHERE id = {session_id}")

    status, out, err = cli(capsys, url, "restore", str(target))
    assert status == EXIT_FAILURE
    assert "not empty" in err


def test_a_database_that_does_not_exist_is_named(capsys):
    missing = TEST_SERVER.replace("/postgres?", "/no_such_clinic?")
    status, out, err = cli(capsys, missing, "patients", "list")
    assert status == EXIT_FAILURE
    assert "does not exist on the server" in err


def test_an_unknown_host_is_named(capsys):
    status, out, err = cli(capsys, "postgresql://clinic@no-such-host.invalid/clinic",
                           "patients", "list")
    assert status == EXIT_FAILURE
    assert "host name is not known" in err or "cannot be reached" in err


@pytest.mark.parametrize("text", ["mysql://clinic@host/db", "postgresql://clinic@host/"])
def test_a_url_that_is_not_a_server_database_is_refused_by_name(capsys, text):
    status, out, err = cli(capsys, text, "patients", "list")
    assert status == EXIT_USAGE
    assert "--db" in err and "postgresql://USER@HOST" in err


def test_patient_search_on_the_server_can_use_a_trigram_index(signed):
    """`LIKE '%word%'` cannot use an ordinary index; on the server the search has one
    (pg_trgm) for words of three characters or more."""
    url, _ = signed
    [(definition,)] = query(url, "SELECT indexdef FROM pg_indexes "
                                 "WHERE indexname = 'ix_patients_search_trgm'")
    assert "gin" in definition and "gin_trgm_ops" in definition
    with psycopg.connect(url) as con:
        con.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in con.execute(
            "EXPLAIN SELECT id FROM patients WHERE search_key LIKE '%martin%'"))
    assert "ix_patients_search_trgm" in plan


def test_a_server_database_from_a_newer_app_is_refused_by_name_and_left_alone(signed, capsys):
    url, _ = signed
    sql(url, "UPDATE alembic_version SET version_num = '9999_from_the_future'")
    before = query(url, "SELECT count(*), max(hash) FROM audit_log")
    status, out, err = cli(capsys, url, "patients", "list")
    assert status == EXIT_FAILURE
    assert "newer version of the app" in err and "9999_from_the_future" in err
    assert query(url, "SELECT version_num FROM alembic_version") == [("9999_from_the_future",)]
    assert query(url, "SELECT count(*), max(hash) FROM audit_log") == before
