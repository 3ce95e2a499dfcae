"""`audit list`: the trail from the command line, newest first, a page at a time, with the
window's filters, and the --before that continues a listing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_DENIED, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from tests.audit_trail_factory import add_trail
from tests.conftest import NOW
from tests.factories import a_patient

PASSWORD = "correct horse battery"


@pytest.fixture
def trail(services, database, monkeypatch):
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    services.accounts.sign_in("jroe", PASSWORD)
    services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "NMC 99Z", "a long password1")
    patients = [services.patients.register(a_patient(number=f"P00000{n}")) for n in (1, 2, 3)]
    first, last = add_trail(database, 1200, NOW + timedelta(minutes=1),
                            patient_ids=tuple(p.id for p in patients))
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)
    return database, patients, first, last


def listed(capsys, database, *arguments, user: str = "jroe") -> tuple[int, list[list[str]], str]:
    """(exit status, the lines printed split at tabs, what standard error said)."""
    status = main(["--db", str(database), "--user", user, "audit", "list", *arguments])
    out, err = capsys.readouterr()
    return status, [line.split("\t") for line in out.splitlines()], err


def test_the_newest_entries_first_and_how_to_list_the_next_ones(trail, capsys):
    database, _patients, _first, last = trail
    status, lines, err = listed(capsys, database, "--limit", "5")
    assert status == EXIT_OK
    assert lines[0] == ["ID", "TIME", "USER", "ACTION", "PATIENT", "SESSION", "DETAILS"]
    # The command's own sign-in is the newest entry; then the trail, newest first.
    assert lines[1][2:4] == ["jroe", "Signed in"]
    assert [int(line[0]) for line in lines[2:]] == [last, last - 1, last - 2, last - 3]
    assert err.strip() == f"More entries match: add --before {last - 3} to list the next ones."
    status, lines, err = listed(capsys, database, "--limit", "3", "--before", str(last - 3))
    assert [int(line[0]) for line in lines[1:]] == [last - 4, last - 5, last - 6]
    status, lines, err = listed(capsys, database, "--limit", "2000")
    assert len(lines) - 1 == len({line[0] for line in lines[1:]}) and err == ""


def test_each_filter_lists_only_its_entries(trail, capsys):
    database, patients, first, _last = trail
    _status, lines, _err = listed(capsys, database, "--patient", patients[2].number,
                                  "--limit", "1000")
    made = [first + i for i in range(1200) if i % 4 and i % 3 == 2]
    # Then the patient's registration, before the made trail.
    assert [int(line[0]) for line in lines[1:]] == [*made[::-1], first - 1]
    assert {line[4] for line in lines[1:]} == {patients[2].number}
    _status, lines, _err = listed(capsys, database, "--by", "anurse", "--action",
                                  "document PRINTED", "--limit", "1000")
    assert lines[1:] and {(line[2], line[3]) for line in lines[1:]} == {
        ("anurse", "Document printed")}
    day = NOW.date()
    _status, lines, _err = listed(capsys, database, "--from", day.isoformat(), "--to",
                                  day.isoformat(), "--limit", "2000")
    assert {line[1][:10] for line in lines[1:]} == {day.isoformat()}
    made = {first + i for i in range(1200) if (NOW + timedelta(minutes=1 + i)).date() == day}
    assert {int(line[0]) for line in lines[1:]} >= made and len(made) == 809


def test_what_cannot_be_listed_is_said(trail, capsys):
    database, _patients, _first, _last = trail
    assert listed(capsys, database, "--patient", "NOBODY")[0] == EXIT_NOT_FOUND
    status, _lines, err = listed(capsys, database, "--before", "999999999")
    assert status == EXIT_NOT_FOUND and "no entry 999999999" in err
    with pytest.raises(SystemExit) as refused:
        listed(capsys, database, "--action", "no such thing")
    assert refused.value.code == EXIT_USAGE
    assert "Document printed" in capsys.readouterr().err  # the labels to choose from
    status, lines, err = listed(capsys, database, "--from", "2001-01-01", "--to",
                                "2001-01-02")
    assert (status, lines, err.strip()) == (EXIT_OK, [], "No audit entries match.")


def test_only_an_administrator_lists_the_trail(trail, capsys, monkeypatch):
    database, *_rest = trail
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", "a long password1")
    status, lines, err = listed(capsys, database, user="anurse")
    assert (status, lines) == (EXIT_DENIED, []) and "administrator" in err
