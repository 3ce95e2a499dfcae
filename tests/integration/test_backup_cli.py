"""`practitioner-app backup | restore | check` and the start-up check, on real files."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_OK
from tests.cli_helpers import cli
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import counts, damage, integrity, records, sha256

# About the embedded SQLite file's own mechanism (its bytes, locks, PRAGMAs, query plans).
pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def recorded(services, db_path) -> Path:
    """One patient with a session, services closed: the file as the CLI finds it."""
    patient = services.patients.register(a_patient())
    services.sessions.save(patient.id, a_full_session())
    services.close()
    return db_path


@pytest.mark.parametrize("command, words", [
    (["backup"], "-o FILE"), (["restore"], "FILE"), (["check"], "practitioner-app check"),
])
def test_each_new_command_has_help_with_an_example(capsys, command, words):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert words in out and "example:\n  practitioner-app" in out


# --- backup ------------------------------------------------------------------------------


def test_backup_goes_into_the_backups_folder(capsys, recorded):
    status, out, _ = cli(capsys, recorded, "backup")
    assert status == EXIT_OK
    written = Path(re.search(r" to (\S+) \(", out)[1])
    assert written.parent == recorded.parent / "backups"
    assert re.fullmatch(r"backup-\d{8}-\d{6}-\d{6}Z\.sqlite3", written.name)
    assert integrity(written) == ["ok"] and records(written) == records(recorded)
    assert "integrity check: ok" in out


def test_backup_to_a_file(capsys, recorded, tmp_path):
    target = tmp_path / "usb" / "clinic.sqlite3"
    status, _, _ = cli(capsys, recorded, "backup", "-o", str(target))
    assert status == EXIT_OK and records(target) == records(recorded)


def test_backup_never_replaces_a_file(capsys, recorded, tmp_path):
    target = tmp_path / "exists.sqlite3"
    target.write_bytes(b"older backup")
    status, _, err = cli(capsys, recorded, "backup", "-o", str(target))
    assert status == EXIT_FAILURE
    assert "already exists" in err
    assert target.read_bytes() == b"older backup"


def test_backup_of_a_missing_database_exits_4(capsys, tmp_path):
    status, _, err = cli(capsys, tmp_path / "none.sqlite3", "backup")
    assert status == EXIT_NOT_FOUND and "no database" in err
    assert not (tmp_path / "none.sqlite3").exists()


# --- restore -----------------------------------------------------------------------------


def test_restore_puts_the_backup_back_and_keeps_what_was_there(capsys, recorded, tmp_path):
    backup = tmp_path / "saved.sqlite3"
    cli(capsys, recorded, "backup", "-o", str(backup))
    expected = records(recorded)
    con = sqlite3.connect(recorded)
    con.execute("DELETE FROM zone_treatments")
    con.commit()
    con.close()
    damaged_records = records(recorded)

    status, out, _ = cli(capsys, recorded, "restore", str(backup))

    assert status == EXIT_OK
    assert records(recorded) == expected
    kept = Path(re.search(r"kept in (\S+)\.\n", out)[1])
    assert kept.name.startswith("before-restore-") and records(kept) == damaged_records
    assert f"Restored {recorded} from {backup}" in out


def test_restore_of_a_missing_file_exits_4(capsys, recorded, tmp_path):
    status, _, err = cli(capsys, recorded, "restore", str(tmp_path / "nowhere.sqlite3"))
    assert status == EXIT_NOT_FOUND and "no file" in err


def test_restore_of_a_damaged_backup_is_refused(capsys, recorded, tmp_path):
    backup = tmp_path / "saved.sqlite3"
    cli(capsys, recorded, "backup", "-o", str(backup))
    damage(backup)
    before = sha256(recorded)
    status, _, err = cli(capsys, recorded, "restore", str(backup))
    assert status == EXIT_FAILURE
    assert "is damaged" in err and "nothing was restored" in err
    assert sha256(recorded) == before


# --- check -------------------------------------------------------------------------------


def test_check_of_a_sound_database(capsys, recorded):
    status, out, _ = cli(capsys, recorded, "check")
    assert status == EXIT_OK
    assert out.splitlines() == ["integrity: ok", "foreign keys: ok", "schema version: ok",
                                "audit trail: ok", "signed sessions: ok", "audit ties: ok",
                                "protective triggers: ok",
                                f"No problems found in {recorded}."]


def test_check_says_what_it_found_and_exits_1(capsys, recorded):
    con = sqlite3.connect(recorded)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("UPDATE zone_treatments SET session_id = 42 WHERE id = 1")
    con.commit()
    con.close()
    status, out, err = cli(capsys, recorded, "check")
    assert status == EXIT_FAILURE
    assert "foreign keys: 1 problem(s)\n  zone_treatments row 1 refers to a missing " \
           "treatment_sessions row" in out
    assert "1 problem(s) found" in err


def test_check_of_a_damaged_database(capsys, recorded):
    damage(recorded)
    before = sha256(recorded)
    status, out, _ = cli(capsys, recorded, "check")
    assert status == EXIT_FAILURE and out.startswith("integrity: ")
    assert sha256(recorded) == before


# --- the start-up check ------------------------------------------------------------------


def test_a_damaged_database_is_reported_with_the_newest_good_backup(capsys, recorded):
    _, out, _ = cli(capsys, recorded, "backup")
    good = Path(re.search(r" to (\S+) \(", out)[1])
    damage(recorded)
    before = sha256(recorded)
    # A writing command checks the file first; one that only reads says so when it
    # reads the damaged page (it makes no quick_check: tests/integration/test_file_seal.py).
    for command in (["sessions", "list", "P000101"], ["demo", "--patients", "1"]):
        status, out, err = cli(capsys, recorded, *command)
        assert status == EXIT_FAILURE and len(out.splitlines()) <= 1  # a heading at most
        assert f"The database {recorded} is damaged" in err
        assert f"The newest good backup is {good}" in err
        assert f"practitioner-app --db {recorded} restore {good}" in err
        assert sha256(recorded) == before  # nothing written, nothing overwritten


def test_a_damaged_database_without_backups_says_so(capsys, recorded):
    damage(recorded)
    status, _, err = cli(capsys, recorded, "sessions", "list", "P000101")
    assert status == EXIT_FAILURE
    assert "No good backup was found in" in err


def test_the_damage_report_from_a_real_process(recorded):
    damage(recorded)
    done = subprocess.run([sys.executable, "main.py", "--db", str(recorded), "sessions",
                           "list", "P000101"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == EXIT_FAILURE
    assert "is damaged" in done.stderr and "Traceback" not in done.stderr


def test_restore_repairs_a_damaged_database(capsys, recorded, tmp_path):
    backup = tmp_path / "saved.sqlite3"
    cli(capsys, recorded, "backup", "-o", str(backup))
    expected = counts(recorded)
    damage(recorded)
    damaged = sha256(recorded)
    status, out, _ = cli(capsys, recorded, "restore", str(backup))
    assert status == EXIT_OK
    assert counts(recorded) == expected
    aside = Path(re.search(r"untouched, in (\S+)\.\n", out)[1])
    assert sha256(aside) == damaged
    status, _, _ = cli(capsys, recorded, "patients", "list")
    assert status == EXIT_OK
