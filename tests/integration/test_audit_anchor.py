"""Anchoring the audit trail: `audit head` and `audit anchor` read without adding to it,
`audit verify --expect` catches a trail cut short or rewritten with recomputed hashes,
and every file that leaves the app from the command line is recorded before it is
written (reports, exports, backups)."""

from __future__ import annotations

import dataclasses
import json
import shlex
import subprocess
from urllib.parse import urlsplit

import pytest

from practitioner_app.app import main
from practitioner_app.cli import BACKUP_ACTOR, EXIT_DENIED, EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from practitioner_app.domain.audit import Action, entry_hash
from practitioner_app.domain.clinic import ClinicProfile
from tests.cli_helpers import cli
from tests.factories import HOSTILE_NAMES, a_full_session, a_patient
from tests.safety_helpers import query
from tests.server_helpers import drop_protection, is_server, sql, when

PASSWORD = "correct horse battery"


@pytest.fixture
def patient(services):
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    services.accounts.sign_in("jroe", PASSWORD)
    return services.patients.register(a_patient())


@pytest.fixture
def as_jroe(monkeypatch):
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)


def _entries(database) -> list[tuple]:
    return query(database, "SELECT id, action, username, details FROM audit_log ORDER BY id")


def _head(capsys, database) -> str:
    status, out, _err = cli(capsys, database, "audit", "head")
    assert status == EXIT_OK
    return out.strip()


def _tamper(database, *statements: str) -> None:
    """What someone with the file and the sqlite3 tool (or the server's console) can do:
    drop the protective triggers, then change the log."""
    drop_protection(database, "audit_log", "UPDATE", "DELETE")
    sql(database, *statements)


# -- reading the head adds nothing ---------------------------------------------------------
def test_audit_head_and_verify_need_no_sign_in_and_add_nothing(services, patient, database,
                                                                capsys):
    before = _entries(database)
    first = _head(capsys, database)
    newest_id, newest_hash = before[-1][0], query(
        database, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")[0][0]
    assert first == f"{newest_id}:{newest_hash}"
    assert cli(capsys, database, "audit", "verify")[0] == EXIT_OK
    assert cli(capsys, database, "audit", "verify", "--expect", first)[0] == EXIT_OK
    assert _head(capsys, database) == first  # the same trail prints the same line
    assert _entries(database) == before


def test_an_anchor_still_holds_after_later_entries(services, patient, database, capsys):
    anchor = _head(capsys, database)
    services.patients.update(dataclasses.replace(patient, allergies="Lidocaine"))
    services.sessions.save(patient.id, a_full_session())
    status, out, _err = cli(capsys, database, "audit", "verify", "--expect", anchor)
    assert status == EXIT_OK
    assert f"still holds the anchored entry {anchor}" in out
    # The hash alone, and as copied from the printed sheet (groups of 8, capitals).
    digest = anchor.split(":")[1]
    grouped = " ".join(digest[i:i + 8] for i in range(0, 64, 8)).upper()
    assert cli(capsys, database, "audit", "verify", "--expect", digest)[0] == EXIT_OK
    assert cli(capsys, database, "audit", "verify", "--expect", grouped)[0] == EXIT_OK


@pytest.mark.parametrize("given, named", [
    ("12", "64 hexadecimal characters"),
    ("x:" + "a" * 64, "entry number before ':'"),
    ("0:" + "a" * 64, "entry number before ':'"),
    ("3:" + "g" * 64, "64 hexadecimal characters"),
    ("3:" + "a" * 63, "got 63 character(s)"),
])
def test_a_malformed_anchor_is_refused_naming_the_form(services, patient, database, capsys,
                                                       given, named):
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(database), "audit", "verify", "--expect", given])
    assert exit_.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--expect" in err and "ID:HASH" in err and named in err


# -- what only an anchor catches -----------------------------------------------------------
def test_a_trail_cut_short_is_caught_against_an_anchor(services, patient, database, capsys):
    services.patients.update(dataclasses.replace(patient, allergies="Lidocaine"))
    anchor = _head(capsys, database)
    anchored_id = int(anchor.split(":")[0])
    keep = anchored_id - 2
    # Remove the newest entries and wind the id counter back: without an anchor, the
    # shorter trail is a perfectly good chain.
    _tamper(database, f"DELETE FROM audit_log WHERE id > {keep}",
            f"SELECT setval(pg_get_serial_sequence('audit_log', 'id'), {keep})"
            if is_server(database) else
            f"UPDATE sqlite_sequence SET seq = {keep} WHERE name = 'audit_log'")
    assert cli(capsys, database, "audit", "verify")[0] == EXIT_OK
    status, _out, err = cli(capsys, database, "audit", "verify", "--expect", anchor)
    assert status == EXIT_FAILURE
    assert f"the anchored entry {anchored_id} is gone" in err and "cut short" in err
    status, _out, err = cli(capsys, database, "audit", "verify", "--expect",
                            anchor.split(":")[1])
    assert status == EXIT_FAILURE and "no entry has the anchored hash" in err


def test_a_rewritten_trail_with_recomputed_hashes_is_caught_against_an_anchor(
        services, patient, database, capsys):
    services.patients.update(dataclasses.replace(patient, allergies="Lidocaine"))
    anchor = _head(capsys, database)
    anchored_id = int(anchor.split(":")[0])
    # Blame someone else for the patient's creation and chain every later entry anew.
    rows = query(database, "SELECT id, at, username, action, patient_id, session_id, "
                          "details, prev_hash FROM audit_log ORDER BY id")
    created = next(r[0] for r in rows if r[3] == Action.PATIENT_CREATED)
    statements, prev = [], None
    for id_, at, username, action, patient_id, session_id, details, prev_hash in rows:
        prev = prev_hash if prev is None else prev
        if id_ == created:
            username = "someone else"
        digest = entry_hash(prev, id_, when(at), username, action,
                            patient_id, session_id, details)
        statements.append(f"UPDATE audit_log SET username = '{username}', prev_hash = "
                          f"'{prev}', hash = '{digest}' WHERE id = {id_}")
        prev = digest
    _tamper(database, *statements)
    assert cli(capsys, database, "audit", "verify")[0] == EXIT_OK  # a consistent chain
    status, _out, err = cli(capsys, database, "audit", "verify", "--expect", anchor)
    assert status == EXIT_FAILURE
    assert (f"entry {anchored_id} no longer has the anchored hash" in err
            and "was rewritten" in err)


# -- the anchor sheet ----------------------------------------------------------------------
def test_the_anchor_sheet_names_the_entry_and_the_command_that_checks_it(
        services, patient, database, tmp_path, capsys):
    services.clinic.save_profile(ClinicProfile(name=HOSTILE_NAMES[0]))
    before = _entries(database)
    anchor = _head(capsys, database)
    status, text, _err = cli(capsys, database, "audit", "anchor")
    assert status == EXIT_OK
    assert f"Clinic: {HOSTILE_NAMES[0]}" in text
    assert f"Newest audit entry: {anchor.split(':')[0]}" in text
    assert f"Hash: {anchor.split(':')[1]}" in text
    [command] = [line.strip() for line in text.splitlines()
                 if line.strip().startswith("practitioner-app ")]
    argv = shlex.split(command)[1:]
    assert argv == ["--db", str(database), "audit", "verify", "--expect", anchor]
    assert main(argv) == EXIT_OK  # the printed command is the check

    pdf = tmp_path / "anchor.pdf"
    assert cli(capsys, database, "audit", "anchor", "-o", str(pdf))[0] == EXIT_OK
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                             text=True, check=True).stdout
    assert HOSTILE_NAMES[0] in printed and anchor.split(":")[1] in printed
    assert f"audit verify --expect {anchor}" in " ".join(printed.split())
    assert _entries(database) == before  # taking an anchor records nothing


def test_an_empty_trail_has_no_head_to_anchor(database, capsys):
    assert main(["--db", str(database), "patients", "list"]) == EXIT_OK  # creates the file
    capsys.readouterr()
    for action in ("head", "anchor"):
        status, _out, err = cli(capsys, database, "audit", action)
        assert status == EXIT_FAILURE and "the audit trail is empty" in err


# -- files that leave the app are recorded first -------------------------------------------
def test_a_report_is_recorded_before_it_is_written(services, patient, database, tmp_path,
                                                   capsys, as_jroe):
    saved = services.sessions.save(patient.id, a_full_session())
    # The trail refuses the report's entry.
    if is_server(database):
        sql(database, "CREATE FUNCTION refuse_reports() RETURNS trigger LANGUAGE plpgsql "
                      "AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
            "CREATE TRIGGER refuse_reports BEFORE INSERT ON audit_log FOR EACH ROW WHEN "
            f"(NEW.action = '{Action.REPORT_SAVED}') EXECUTE FUNCTION refuse_reports()")
    else:
        sql(database, "CREATE TRIGGER refuse_reports BEFORE INSERT ON audit_log WHEN "
                      f"NEW.action = '{Action.REPORT_SAVED}' BEGIN SELECT RAISE(ABORT, "
                      "'refused'); END")
    out = tmp_path / "r.pdf"
    status, _out, err = cli(capsys, database, "--user", "jroe", "report", "session",
                            str(saved.id), "-o", str(out))
    assert status == EXIT_FAILURE
    assert "did not complete; nothing was half-saved" in err and "refused" in err
    assert not out.exists() and not list(tmp_path.glob("r.pdf*"))


def test_a_report_that_cannot_be_written_is_recorded_as_not_written(
        services, patient, database, tmp_path, capsys, as_jroe):
    saved = services.sessions.save(patient.id, a_full_session())
    out = tmp_path / "no such folder" / "r.pdf"
    status, _out, err = cli(capsys, database, "--user", "jroe", "report", "session",
                            str(saved.id), "-o", str(out))
    assert status == EXIT_FAILURE and str(out) in err
    (report_id, action, user, details), (_id, failed, user2, failure) = \
        _entries(database)[-2:]
    assert (action, failed, user, user2) == (Action.REPORT_SAVED, Action.NOT_WRITTEN,
                                             "jroe", "jroe")
    assert json.loads(details)["path"] == str(out)
    assert json.loads(failure)["entry"] == report_id
    assert json.loads(failure)["path"] == str(out)
    assert main(["--db", str(database), "audit", "verify"]) == EXIT_OK


def test_an_export_that_cannot_be_written_is_recorded_as_not_written(
        services, patient, database, tmp_path, capsys, as_jroe):
    out = tmp_path / "no such folder" / "p.json"
    status, _out, _err = cli(capsys, database, "--user", "jroe", "export", "patient",
                             patient.number, "-o", str(out))
    assert status == EXIT_FAILURE
    actions = [(a, u) for _id, a, u, _d in _entries(database)[-2:]]
    assert actions == [(Action.EXPORTED, "jroe"), (Action.NOT_WRITTEN, "jroe")]


def test_a_backup_elsewhere_needs_a_user_and_is_recorded_in_the_copy(
        services, patient, database, tmp_path, capsys, monkeypatch, request):
    copy = tmp_path / "usb" / ("clinic-copy.dump" if is_server(database)
                               else "clinic-copy.sqlite3")
    copy.parent.mkdir()
    status, _out, err = cli(capsys, database, "backup", "-o", str(copy))
    assert status == EXIT_DENIED and "--user" in err
    assert not copy.exists()

    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)
    assert cli(capsys, database, "--user", "jroe", "backup", "-o", str(copy))[0] == EXIT_OK
    _id, action, user, details = _entries(database)[-1]
    assert (action, user, json.loads(details)) == (Action.BACKED_UP, "jroe",
                                                   {"path": str(copy)})
    restored = copy
    if is_server(database):  # a server's backup is read by restoring it into an empty one
        databases = request.getfixturevalue("_server_template")
        restored = databases.empty()
        request.addfinalizer(lambda: databases.drop(restored))
        assert cli(capsys, restored, "restore", str(copy))[0] == EXIT_OK
    assert _entries(restored)[-1] == _entries(database)[-1]  # the copy holds its own entry
    assert main(["--db", str(restored), "audit", "verify"]) == EXIT_OK


def test_a_scheduled_backup_needs_no_password_and_is_recorded_as_the_system(
        services, patient, database, capsys):
    status, out, _err = cli(capsys, database, "backup")
    checked = "pg_restore --list: ok" if is_server(database) else "integrity check: ok"
    assert status == EXIT_OK and checked in out
    _id, action, user, details = _entries(database)[-1]
    assert (action, user) == (Action.BACKED_UP, BACKUP_ACTOR)
    if is_server(database):  # the server's backups go to this computer's data folder
        from practitioner_app.paths import default_data_folder

        folder = default_data_folder() / "server-backups" / urlsplit(database).path[1:]
    else:
        folder = database.parent / "backups"
    assert json.loads(details)["to"] == str(folder)
