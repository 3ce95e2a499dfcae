"""Moving a clinic from its SQLite file onto the clinic server, as an administrator does
it from the command line: everything copied, checked, recorded; the file untouched."""

from __future__ import annotations

import hashlib
import json

import pytest

from practitioner_app.cli import EXIT_DENIED, EXIT_FAILURE, EXIT_OK, PASSWORD_ENV
from practitioner_app.domain.audit import Action
from practitioner_app.persistence.models import Base
from practitioner_app.services.container import open_services
from tests.cli_helpers import cli
from tests.conftest import NOW, TEST_SERVER
from tests.server_helpers import query, sql

pytestmark = pytest.mark.skipif(not TEST_SERVER, reason="no test PostgreSQL server given")

PASSWORD = "correct horse battery"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def clinic_file(db_path):
    """A believable clinic: an administrator, demo patients with signed sessions,
    addenda, consents, courses and a long audit trail."""
    services = open_services(db_path, clock=lambda: NOW)
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    result = services.demo.generate(40, seed=3)
    assert result.signed and result.addenda and result.consents and result.courses
    services.close()
    return db_path


@pytest.fixture
def server_db(_server_template):
    url = _server_template.empty()
    yield url
    _server_template.drop(url)


def test_a_clinic_moves_onto_the_server_whole_and_checked(clinic_file, server_db, capsys,
                                                          monkeypatch):
    before = _digest(clinic_file)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    status, out, err = cli(capsys, clinic_file, "--user", "jroe", "transfer", "--to", server_db)
    assert status == EXIT_OK, out + err
    assert "Copied patients" in out and "every count, signature and the audit trail match" in out

    # The file is byte for byte as it was (nobody signed in to it, nothing migrated).
    assert _digest(clinic_file) == before
    with_file = open_services(clinic_file)
    file_head = with_file.audit.head()
    with_file.close()
    for table in Base.metadata.sorted_tables:
        assert query(server_db, f"SELECT count(*) FROM {table.name}") == \
            query(clinic_file, f"SELECT count(*) FROM {table.name}") or table.name == "audit_log"
    # The server's trail is the file's, then one entry recording the move.
    [(count_file,)] = query(clinic_file, "SELECT count(*) FROM audit_log")
    assert query(server_db, "SELECT count(*) FROM audit_log") == [(count_file + 1,)]
    [(hash_at_head,)] = query(server_db, "SELECT hash FROM audit_log WHERE id = ?",
                              (file_head.id,))
    assert hash_at_head == file_head.hash
    [(action, details)] = query(server_db, "SELECT action, details FROM audit_log "
                                           "ORDER BY id DESC LIMIT 1")
    assert action == Action.TRANSFERRED
    assert json.loads(details)["audit_head"] == f"{file_head.id}:{file_head.hash}"

    # On the server: every check passes, and the clinic goes on working.
    status, out, err = cli(capsys, server_db, "check")
    assert status == EXIT_OK, out + err
    assert "signed sessions: ok" in out and "audit trail: ok" in out
    listed = cli(capsys, server_db, "--user", "jroe", "patients", "list")
    assert listed[0] == EXIT_OK and len(listed[1].splitlines()) > 30
    assert listed == cli(capsys, clinic_file, "--user", "jroe", "patients", "list")
    services = open_services(server_db, clock=lambda: NOW)
    services.accounts.sign_in("jroe", PASSWORD)
    from tests.factories import a_patient

    added = services.patients.register(a_patient(number=""))  # ids continue after the copy
    assert added.id > 40
    services.close()


def test_a_server_database_holding_records_is_refused_and_left_alone(
        clinic_file, server_db, capsys, monkeypatch):
    other = open_services(server_db)
    other.accounts.create_first_admin("someone", "Some One", "Nurse", "X1", PASSWORD)
    other.close()
    before = query(server_db, "SELECT count(*), max(hash) FROM audit_log")
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    status, out, err = cli(capsys, clinic_file, "--user", "jroe", "transfer", "--to", server_db)
    assert status == EXIT_FAILURE
    assert "already holds records" in err
    assert query(server_db, "SELECT count(*) FROM patients") == [(0,)]
    assert query(server_db, "SELECT count(*), max(hash) FROM audit_log") == before


def test_only_an_administrator_of_the_file_transfers_it(clinic_file, server_db, capsys,
                                                       monkeypatch):
    before = _digest(clinic_file)
    monkeypatch.setenv(PASSWORD_ENV, "not the password")
    status, out, err = cli(capsys, clinic_file, "--user", "jroe", "transfer", "--to", server_db)
    assert status == EXIT_DENIED
    assert "Wrong username or password" in err
    status, out, err = cli(capsys, clinic_file, "transfer", "--to", server_db)
    assert status == EXIT_DENIED and "--user" in err
    assert _digest(clinic_file) == before
    assert query(server_db, "SELECT to_regclass('patients')") in ([(None,)], [("patients",)])
    if query(server_db, "SELECT to_regclass('patients')") == [("patients",)]:
        assert query(server_db, "SELECT count(*) FROM patients") == [(0,)]


def test_a_copy_that_does_not_match_is_reported(clinic_file, server_db, capsys, monkeypatch):
    """The check after the copy is real: a server that changes a signed row on the way
    in is caught (here a trigger of the server's own, as a faulty replica might)."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    open_services(server_db).close()  # schema only
    sql(server_db, "CREATE FUNCTION garble() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN NEW.outcome_notes := NEW.outcome_notes || ' (garbled)'; "
                   "RETURN NEW; END $$",
        "CREATE TRIGGER zz_garble BEFORE INSERT ON treatment_sessions FOR EACH ROW "
        "WHEN (NEW.signed_at IS NOT NULL) EXECUTE FUNCTION garble()")
    status, out, err = cli(capsys, clinic_file, "--user", "jroe", "transfer", "--to", server_db)
    assert status == EXIT_FAILURE
    assert "no longer matches its signature" in err
    assert "Do not use the server database" in err
