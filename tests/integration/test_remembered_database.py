"""A workstation remembers which database it uses (`connect`), so the clinic's server is
opened from the menu entry with no --db; --db and the environment still win, and a
password is never remembered."""

from __future__ import annotations

import os
import stat

import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from practitioner_app.paths import REMEMBERED_FILENAME, database_location
from tests.conftest import TEST_SERVER


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def test_a_remembered_file_is_used_without_db_and_db_still_wins(capsys, tmp_path,
                                                                _private_config):
    clinic = tmp_path / "clinic.sqlite3"
    status, out, _err = run(capsys, "connect", str(clinic))
    assert status == EXIT_OK and str(clinic) in out
    remembered = _private_config / REMEMBERED_FILENAME
    if os.name == "posix":
        assert stat.S_IMODE(remembered.stat().st_mode) == 0o600
    assert database_location().path == clinic
    assert run(capsys, "patients", "list")[0] == EXIT_OK
    assert clinic.exists()  # the command opened the remembered file
    assert run(capsys, "connect")[1].startswith(f"{clinic} (remembered in")
    other = tmp_path / "other.sqlite3"
    assert database_location(str(other)).path == other
    status, out, _err = run(capsys, "connect", "--forget")
    assert status == EXIT_OK and not remembered.exists()
    assert database_location().path != clinic


def test_a_url_holding_a_password_is_never_remembered(capsys, _private_config):
    status, _out, err = run(capsys, "connect", "postgresql://clinic:s3cret@records.local/clinic")
    assert status == EXIT_USAGE
    assert "never remembered" in err and "s3cret" not in err
    assert not (_private_config / REMEMBERED_FILENAME).exists()


def test_a_server_that_cannot_be_reached_is_not_remembered(capsys, _private_config):
    status, _out, err = run(capsys, "connect", "postgresql://clinic@no-such-host.invalid/c")
    assert status == EXIT_FAILURE and "not remembered" in err
    assert not (_private_config / REMEMBERED_FILENAME).exists()


@pytest.mark.skipif(not TEST_SERVER, reason="no test PostgreSQL server given")
def test_a_remembered_server_database_is_opened_by_every_command(capsys, database,
                                                                 _private_config):
    if not str(database).startswith("postgresql://"):
        pytest.skip("about a server database")
    assert run(capsys, "connect", database)[0] == EXIT_OK
    assert database_location().url == database
    status, out, _err = run(capsys, "check")
    assert status == EXIT_OK and "audit trail: ok" in out
