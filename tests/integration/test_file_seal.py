"""The seal of a database file (persistence/file_seal.py): a file exactly as the app left
it after a clean close opens without `PRAGMA quick_check` (checked after sign-in instead);
anything else is checked before anything is written; commands that only read make no
check at all. Statements are observed with SQLite's own trace on every connection."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from practitioner_app.persistence.assessment import BackgroundCheck, State, assess_at_start
from practitioner_app.persistence.file_seal import seal_path, sealed_check, write_seal
from practitioner_app.services.opening import Opened, Unusable, lock_for, open_database
from tests.cli_helpers import cli
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import checkpoint, damage, sha256

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("quick_check", "integrity_check")


@contextlib.contextmanager
def traced(monkeypatch) -> Iterator[list[str]]:
    """Every SQL statement any SQLite connection opened meanwhile runs (the app's
    engine and the standard-library looks alike), in order."""
    statements: list[str] = []
    real = sqlite3.connect

    def connect(*args, **kwargs):
        con = real(*args, **kwargs)
        con.set_trace_callback(statements.append)
        return con

    with monkeypatch.context() as patch:
        patch.setattr(sqlite3, "connect", connect)
        patch.setattr(sqlite3.dbapi2, "connect", connect)
        yield statements


def checks_in(statements: list[str]) -> list[str]:
    return [s for s in statements if any(check in s.lower() for check in CHECKS)]


def open_for_writing(db: Path):
    """As the window and the writing commands open a file: lock, check, services."""
    return open_database(db, lock=lock_for(db).acquire())


@pytest.fixture
def sealed(db_path) -> Path:
    """A clinic with a patient and a session, opened and closed as the app does."""
    outcome = open_for_writing(db_path)
    assert isinstance(outcome, Opened)
    patient = outcome.services.patients.register(a_patient())
    outcome.services.sessions.save(patient.id, a_full_session())
    outcome.services.close()
    assert sealed_check(db_path) is not None
    return db_path


def seal_as_is(db: Path) -> None:
    """Seal the file as it now is, as if the app had left it so: silent damage of the
    disk changes no time or size, which writing the damage here did."""
    assert write_seal(db, datetime.now(UTC).isoformat(timespec="seconds"))


pytestmark = pytest.mark.sqlite_only


# --- sealing -------------------------------------------------------------------------------


def test_a_clean_close_seals_the_file_with_its_check(db_path, monkeypatch):
    with traced(monkeypatch) as statements:
        outcome = open_for_writing(db_path)  # a new file: nothing to check yet
        assert isinstance(outcome, Opened) and not outcome.check_later
        outcome.services.patients.register(a_patient())
        assert not seal_path(db_path).exists()  # open for writing: no seal
        outcome.services.close()
    assert sealed_check(db_path) is not None
    assert oct(seal_path(db_path).stat().st_mode & 0o777) == "0o600"
    # Opened again as it was left: the check is left for after sign-in.
    with traced(monkeypatch) as statements:
        outcome = open_for_writing(db_path)
    assert isinstance(outcome, Opened) and outcome.check_later
    assert checks_in(statements) == []
    assert not seal_path(db_path).exists()
    outcome.services.close()
    assert sealed_check(db_path) is not None


def test_a_crash_leaves_no_seal_and_the_next_start_checks(sealed, monkeypatch):
    holder = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(sealed)], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "saved\n"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert not seal_path(sealed).exists()
    assert Path(f"{sealed}-wal").exists()
    with traced(monkeypatch) as statements:
        found = assess_at_start(sealed)
    assert found.state is State.OK and not found.sealed
    assert any("quick_check" in s for s in statements)


WRITER = """
import sys
from practitioner_app.services.opening import lock_for, open_database
from tests.factories import a_patient
opened = open_database(sys.argv[1], lock=lock_for(sys.argv[1]).acquire())
opened.services.patients.register(a_patient(number="P000102"))
print("saved", flush=True)
sys.stdin.read()
"""


def test_a_command_that_writes_keeps_the_seal_rule(sealed, capsys, monkeypatch):
    with traced(monkeypatch) as statements:
        status, out, _ = cli(capsys, sealed, "demo", "--patients", "1")
    assert status == 0 and checks_in(statements) == []
    assert sealed_check(sealed) is not None  # sealed again on closing
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", re.search(r"password (\S+)", out)[1])
    os.utime(sealed)  # touched by something else
    with traced(monkeypatch) as statements:
        status, _, _ = cli(capsys, sealed, "--user", "demo", "demo", "--patients", "1")
    assert status == 0 and any("quick_check" in s for s in statements)


# --- changed behind the app's back: checked before anything is written ------------------


def _bytes_changed(db: Path) -> None:
    damage(db)


def _touched(db: Path) -> None:
    os.utime(db)


def _times_set_back(db: Path) -> None:
    """Touched, then its modification time put back: its change time still moved."""
    found = os.stat(db)
    os.utime(db, ns=(found.st_atime_ns + 1, found.st_mtime_ns))


def _log_left(db: Path) -> None:
    """Another program wrote and was killed before it closed: its log is left."""
    subprocess.run([sys.executable, "-c",
                    "import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                    "c.execute('PRAGMA journal_mode=WAL'); "
                    "c.execute('CREATE TABLE other_program (x)'); c.commit(); "
                    "os._exit(0)", str(db)], check=True)


def _copied_in(db: Path) -> None:
    copy = db.with_name("copy.sqlite3")
    copy.write_bytes(db.read_bytes())
    os.replace(copy, db)


@pytest.mark.parametrize("change", [_bytes_changed, _touched, _times_set_back, _log_left,
                                    _copied_in],
                         ids=["bytes", "touched", "times set back", "log left", "copied in"])
def test_a_file_changed_behind_the_apps_back_is_checked_first(sealed, change, monkeypatch):
    change(sealed)
    with traced(monkeypatch) as statements:
        outcome = open_for_writing(sealed)
    assert any("quick_check" in s for s in statements)
    if change is _bytes_changed:
        assert isinstance(outcome, Unusable)
        assert outcome.assessment.state is State.DAMAGED
    else:
        assert isinstance(outcome, Opened) and not outcome.check_later
        outcome.services.close()


def test_a_damaged_file_is_refused_before_anything_is_written(sealed, capsys):
    damage(sealed)
    before = sha256(sealed)
    status, _, err = cli(capsys, sealed, "demo", "--patients", "1")
    assert status == 1 and f"The database {sealed} is damaged" in err
    assert sha256(sealed) == before
    assert not seal_path(sealed).exists() or sealed_check(sealed) is None


def test_a_newer_app_checks_a_file_another_version_sealed(sealed, monkeypatch):
    import practitioner_app.persistence.file_seal as file_seal

    monkeypatch.setattr(file_seal, "__version__", "99.0")
    with traced(monkeypatch) as statements:
        found = assess_at_start(sealed)
    assert not found.sealed and any("quick_check" in s for s in statements)


def test_a_seal_whose_check_is_a_month_old_is_checked_first(sealed, monkeypatch):
    """The check after sign-in never finished for a month (closed too soon each time)."""
    assert write_seal(sealed, (datetime.now(UTC) - timedelta(days=31)).isoformat())
    with traced(monkeypatch) as statements:
        found = assess_at_start(sealed)
    assert not found.sealed and any("quick_check" in s for s in statements)
    checkpoint(sealed)  # the look's read-only connection left an empty log behind
    assert write_seal(sealed, (datetime.now(UTC) - timedelta(days=29)).isoformat())
    assert assess_at_start(sealed).sealed


# --- silent damage: found by the check after sign-in -------------------------------------


def test_the_later_check_finds_damage_the_sealed_start_did_not_read(sealed):
    damage(sealed, "ix_treatment_sessions_serum_lot")  # read by a lot recall only
    seal_as_is(sealed)
    outcome = open_for_writing(sealed)
    assert isinstance(outcome, Opened) and outcome.check_later  # no quick_check
    answers = []
    assert BackgroundCheck(sealed, answers.append).wait(60)
    outcome.services.close()
    assert [a.state for a in answers] == [State.DAMAGED]


def test_the_later_check_passes_on_a_sound_file(sealed):
    answers = []
    assert BackgroundCheck(sealed, answers.append).wait(60)
    assert [a.state for a in answers] == [State.OK] and answers[0].checked_at


# --- commands that only read ---------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["patients", "list"], ["sessions", "list", "P000101"], ["due"], ["audit", "head"],
    ["recall", "--lot", "none"],
])
def test_commands_that_only_read_make_no_check(sealed, capsys, monkeypatch, command):
    seal_path(sealed).unlink()  # sealed or not: no check
    with traced(monkeypatch) as statements:
        status, _, _ = cli(capsys, sealed, *command)
    assert status == 0 and statements and checks_in(statements) == []


def test_a_listing_reads_what_it_lists_even_if_elsewhere_is_damaged(sealed, capsys):
    damage(sealed, "ix_treatment_sessions_serum_lot")
    status, out, _ = cli(capsys, sealed, "patients", "list")
    assert status == 0 and "P000101" in out
    status, _, err = cli(capsys, sealed, "demo", "--patients", "1")  # a writer checks
    assert status == 1 and "is damaged" in err


def test_a_damaged_page_a_reader_reads_is_one_clear_line_and_unseals(sealed, capsys):
    damage(sealed, "patients")
    seal_as_is(sealed)
    status, _, err = cli(capsys, sealed, "patients", "list")
    assert status == 1
    assert f"The database {sealed} is damaged" in err and "Traceback" not in err
    assert sealed_check(sealed) is None  # the next start checks it in full


def assert_opens_sealed(db_path, monkeypatch) -> None:
    """The next start finds `db_path` sealed: opened with no check before sign-in, the
    check left for after it."""
    with traced(monkeypatch) as statements:
        outcome = open_for_writing(db_path)
    assert isinstance(outcome, Opened) and outcome.check_later
    assert checks_in(statements) == []
    outcome.services.close()


def test_a_reader_that_signs_in_seals_the_file_again(sealed, capsys, monkeypatch):
    """Its sign-in is written to the file; a scheduled command must not cost the next
    start its quick_check."""
    outcome = open_for_writing(sealed)
    outcome.services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Nurse", "", PASSWORD)
    outcome.services.close()
    before = seal_path(sealed).read_text()
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)
    status, out, _ = cli(capsys, sealed, "--user", "jroe", "patients", "list")
    assert status == 0 and "P000101" in out
    assert seal_path(sealed).read_text() != before  # the sign-in changed the file …
    assert sealed_check(sealed) is not None  # … and the seal follows it
    assert_opens_sealed(sealed, monkeypatch)


PASSWORD = "correct horse battery"


def test_a_scheduled_backup_seals_the_file_again(sealed, capsys, monkeypatch):
    """The backup command records itself in the audit trail, a change to the file: the
    next morning's start must still find it sealed and skip its quick_check."""
    before = seal_path(sealed).read_text()
    status, _, _ = cli(capsys, sealed, "backup")
    assert status == 0
    assert list((sealed.parent / "backups").glob("backup-*.sqlite3"))
    assert seal_path(sealed).read_text() != before  # the audit entry changed the file …
    assert sealed_check(sealed) is not None  # … and the seal follows it
    assert_opens_sealed(sealed, monkeypatch)
