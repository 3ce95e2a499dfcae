"""The command line, driven in-process through app.main (and once as a real process)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_FAILURE, EXIT_INVALID, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from practitioner_app.domain.enums import Fitzpatrick, SessionStatus
from practitioner_app.domain.session import Needling
from practitioner_app.paths import DB_ENV
from practitioner_app.services.exchange import dumps
from tests.cli_helpers import cli
from tests.factories import HOSTILE_NAMES, a_full_session, a_patient, with_zone
from tests.safety_helpers import counts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def recorded(services):
    """P000101 (Fitzpatrick III) with two completed sessions."""
    patient = services.patients.register(a_patient())
    services.sessions.save(patient.id, a_full_session(session_date=date(2026, 9, 25)))
    services.sessions.save(patient.id, a_full_session())
    return patient


@pytest.fixture
def empty_db(new_database) -> Path | str:
    """A second clinic, with no records, on the same backend as `database`."""
    return new_database("empty")


# --- Help and usage --------------------------------------------------------------------------

HELP = [[], ["demo"], ["export"], ["export", "patient"], ["import"], ["patients"],
        ["patients", "list"], ["sessions"], ["sessions", "list"]]


@pytest.mark.parametrize("command", HELP, ids=[" ".join(c) or "program" for c in HELP])
def test_help_says_where_the_database_is_and_what_exit_statuses_mean(
        capsys, monkeypatch, tmp_path, command):
    monkeypatch.setenv(DB_ENV, str(tmp_path / "from-env.sqlite3"))
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert out.startswith(f"usage: practitioner-app {' '.join(command)}".rstrip())
    assert str(tmp_path / "from-env.sqlite3") in out  # the database this run would use
    for line in ("0  success", "2  usage error", "3  invalid input", "4  not found"):
        assert line in out


@pytest.mark.parametrize("command, words", [
    (["demo"], "--patients N"), (["export", "patient"], "NUMBER"), (["import"], "FILE"),
    (["patients", "list"], "QUERY"), (["sessions", "list"], "NUMBER"),
])
def test_each_command_help_has_an_example(capsys, command, words):
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert words in out
    assert "example:\n  practitioner-app" in out


def test_the_program_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = re.findall(r"^    (\w+) ", capsys.readouterr().out, re.MULTILINE)
    assert listed == ["demo", "export", "import", "patients", "sessions", "report",
                      "audit", "recall", "due", "backup", "restore", "check", "transfer", "connect"]


@pytest.mark.parametrize("argv", [
    ["demo"], ["demo", "--patients", "0"], ["demo", "--patients", "many"], ["export"],
    ["export", "patient"], ["frobnicate"], ["sessions", "list"], ["patients"], ["import"],
])
def test_usage_errors_exit_2_with_a_message(capsys, db_path, argv):
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(db_path), *argv])
    assert exited.value.code == EXIT_USAGE
    assert "error:" in capsys.readouterr().err
    assert not db_path.exists()  # nothing was opened, let alone written


# --- demo and the listings ---------------------------------------------------------------


def test_demo_prints_a_one_line_summary(capsys, database):
    status, out, _ = cli(capsys, database, "demo", "--patients", "12", "--seed", "3")
    assert status == EXIT_OK
    assert re.fullmatch(r"Created the demo account: user demo, password \S+\n"
                        r"Added 12 patients \(P000001-P000012\) with (\d+) sessions and "
                        r"(\d+) treated zones in \d+\.\d s\.\n"
                        r"Signed \d+ sessions \(\d+ with an addendum\); \d+ courses "
                        r"\(\d+ open\); \d+ consents; \d+ patients archived\.\n"
                        r"Created the demo practitioners' accounts: [a-z., ]+; "
                        r"password \S+\n", out)
    sessions = int(re.search(r"with (\d+) sessions", out)[1])
    assert counts(database)["patients"] == 12
    assert counts(database)["treatment_sessions"] == sessions


def test_demo_takes_an_average_series_length_and_names_its_range(capsys, database):
    status, out, _ = cli(capsys, database, "demo", "--patients", "20",
                         "--sessions-per-patient", "12")
    assert status == EXIT_OK
    assert counts(database)["treatment_sessions"] == int(re.search(r"with (\d+) sessions",
                                                                  out)[1]) > 20 * 8
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(database), "demo", "--patients", "2", "--sessions-per-patient", "0"])
    assert exited.value.code == EXIT_USAGE
    assert "--sessions-per-patient: must be from 1 to 50; got 0" in capsys.readouterr().err


def test_patients_list_prints_number_name_and_date_of_birth(capsys, services, database):
    for n, name in enumerate(HOSTILE_NAMES[1:5], start=1):
        services.patients.register(a_patient(number=f"P00000{n}", full_name=name,
                                              date_of_birth=date(1980, 1, n)))
    status, out, _ = cli(capsys, database, "patients", "list")
    assert status == EXIT_OK
    assert out.splitlines() == [
        "NUMBER\tNAME\tDATE OF BIRTH",
        "P000001\tŁucja Świętochowska-Gęślą\t1980-01-01",
        "P000002\tZoltán Őrsi Şükrü\t1980-01-02",
        "P000003\tΑλέξανδρος Παπαδόπουλος\t1980-01-03",
        "P000004\tЖанна Юрьевна Щербакова\t1980-01-04",
    ]
    assert cli(capsys, database, "patients", "list", "lucja gesla")[1].splitlines()[1:] == [
        "P000001\tŁucja Świętochowska-Gęślą\t1980-01-01"]
    assert cli(capsys, database, "patients", "list", "ЩЕРБАКОВА")[1].splitlines()[1:] == [
        "P000004\tЖанна Юрьевна Щербакова\t1980-01-04"]


def test_patients_list_with_no_match_says_so(capsys, database):
    status, out, err = cli(capsys, database, "patients", "list", "nobody")
    assert (status, out, err) == (EXIT_OK, "", "No patients found.\n")


def test_patients_list_pages_through_more_rows_than_one_batch(capsys, services, database):
    from practitioner_app.cli import LIST_BATCH

    services.demo.generate(560, seed=1)  # more than LIST_BATCH, the archived ones aside
    listed = {row.number for row in services.patients.rows(services.patients.search(""))}
    out = cli(capsys, database, "patients", "list")[1]
    assert len(out.splitlines()) == len(listed) + 1 > LIST_BATCH + 1
    numbers = {line.split("\t")[0] for line in out.splitlines()[1:]}
    assert numbers == listed


def test_sessions_list_prints_newest_first(capsys, services, recorded, database):
    draft = a_full_session(session_date=date(2026, 11, 23), status=SessionStatus.DRAFT,
                           needling=Needling())
    services.sessions.save(recorded.id, draft)
    status, out, _ = cli(capsys, database, "sessions", "list", "P000101")
    assert status == EXIT_OK
    assert out.splitlines() == [
        "ID\tDATE\tSTATUS\tDEVICE\tZONES\tDEEPEST MM",
        "3\t2026-11-23\tdraft\t-\t0\t-",
        "2\t2026-11-20\tcompleted\tpen\t2\t1.5",
        "1\t2026-09-25\tcompleted\tpen\t2\t1.5",
    ]


@pytest.mark.parametrize("argv", [["sessions", "list", "P404"],
                                  ["export", "patient", "P404"]])
def test_an_unknown_patient_number_exits_4(capsys, database, argv):
    status, out, err = cli(capsys, database, *argv)
    assert (status, out) == (EXIT_NOT_FOUND, "")
    assert err == "practitioner-app: error: No patient with patient number 'P404'.\n"


# --- export and import -------------------------------------------------------------------


def test_export_to_stdout_and_to_a_file_give_the_same_document(
        capsys, services, recorded, database, tmp_path):
    expected = dumps(services.exchange.export_document("P000101"))
    status, out, _ = cli(capsys, database, "export", "patient", "P000101")
    assert (status, out) == (EXIT_OK, expected)
    target = tmp_path / "P000101.json"
    status, out, err = cli(capsys, database, "export", "patient", "P000101", "-o", str(target))
    assert (status, out) == (EXIT_OK, "")
    assert err == f"Exported patient P000101 to {target}.\n"
    assert target.read_bytes() == expected.encode("utf-8")
    assert json.loads(target.read_text("utf-8"))["sessions"][0]["session_date"] == "2026-09-25"


def test_export_import_export_through_the_cli_is_byte_identical(
        capsys, services, database, empty_db, tmp_path):
    patient = services.patients.register(a_patient(full_name=HOSTILE_NAMES[0],
                                                   fitzpatrick=Fitzpatrick.V))
    services.sessions.save(patient.id, with_zone(a_full_session(), depth_mm=1.0))
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    cli(capsys, database, "export", "patient", "P000101", "-o", str(first))

    status, out, err = cli(capsys, empty_db, "import", str(first))
    assert status == EXIT_OK
    assert out == f"Imported patient P000101 ({HOSTILE_NAMES[0]}) with 1 session(s).\n"
    assert err.splitlines()[0].startswith("warning: $.patient.fitzpatrick: Fitzpatrick type V")
    assert err.splitlines()[1].startswith(
        "warning: $.sessions[0].needling.zones[0].depth_mm: Needle depth 1 mm for Forehead")

    cli(capsys, empty_db, "export", "patient", "P000101", "-o", str(second))
    assert second.read_bytes() == first.read_bytes()


def test_import_reads_standard_input(capsys, monkeypatch, services, recorded, empty_db):
    text = dumps(services.exchange.export_document("P000101"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    status, out, _ = cli(capsys, empty_db, "import", "-")
    assert (status, out) == (EXIT_OK, "Imported patient P000101 (Ana Martínez) with 2 "
                                      "session(s).\n")
    assert counts(empty_db) == {"patients": 1, "treatment_sessions": 2, "zone_treatments": 4}


def test_an_invalid_import_lists_every_problem_and_writes_nothing(
        capsys, services, recorded, empty_db, tmp_path):
    document = services.exchange.export_document("P000101")
    document["patient"]["full_name"] = " "
    document["sessions"][0]["needling"]["zones"][0]["depth_mm"] = 3.51
    document["sessions"][1]["needling"]["zones"][1]["passes"] = 0
    document["sessions"][1]["sunscreen"]["spf"] = 0
    path = tmp_path / "bad.json"
    path.write_text(dumps(document), "utf-8")

    status, out, err = cli(capsys, empty_db, "import", str(path))

    assert (status, out) == (EXIT_INVALID, "")
    assert err.splitlines() == [
        "error: $.patient.full_name: Full name is required.",
        "error: $.sessions[0].needling.zones[0].depth_mm: Needle depth (mm) for Forehead must "
        "be greater than 0 and at most 3.5 mm; got 3.51.",
        "error: $.sessions[1].needling.zones[1].passes: Passes for Cheeks must be a whole "
        "number from 1 to 40; got 0.",
        "error: $.sessions[1].sunscreen.spf: SPF must be between 1 and 100; got 0.",
        f"practitioner-app: error: 4 problem(s) in {path}; nothing was imported",
    ]
    assert counts(empty_db) == {"patients": 0, "treatment_sessions": 0, "zone_treatments": 0}


@pytest.mark.parametrize("content, message", [
    (b'{"format": "practitioner-app.patient", "version": 5, "patient": {}, "sessions": []}',
     "error: $.version: must be 1, 2, 3 or 4; got 5. This program reads version 1, 2, 3 "
     "or 4 documents"),
    (b"{not json", "error: $: Not valid JSON: Expecting property name enclosed in double "
                   "quotes at line 1, column 2."),
    (b"\xff\xfe{}", "is not UTF-8 text"),
])
def test_a_document_of_another_kind_is_refused(capsys, empty_db, tmp_path, content, message):
    path = tmp_path / "other.json"
    path.write_bytes(content)
    status, _, err = cli(capsys, empty_db, "import", str(path))
    assert status == EXIT_INVALID
    assert message in err
    assert counts(empty_db)["patients"] == 0


def test_an_existing_patient_number_is_refused_by_name(capsys, services, recorded, database,
                                                       tmp_path):
    path = tmp_path / "again.json"
    cli(capsys, database, "export", "patient", "P000101", "-o", str(path))
    before = counts(database)
    status, out, err = cli(capsys, database, "import", str(path))
    assert (status, out) == (EXIT_INVALID, "")
    assert err == ("practitioner-app: error: Patient number P000101 is already used by another "
                   "patient; nothing was imported.\n")
    assert counts(database) == before


def test_a_missing_import_file_exits_4(capsys, empty_db, tmp_path):
    status, _, err = cli(capsys, empty_db, "import", str(tmp_path / "nowhere.json"))
    assert status == EXIT_NOT_FOUND
    assert "no file" in err


def test_a_file_that_is_not_a_database_exits_1(capsys, tmp_path):
    not_db = tmp_path / "notes.txt"
    not_db.write_text("shopping list\n" * 100)
    status, _, err = cli(capsys, not_db, "patients", "list")
    assert status == EXIT_FAILURE
    assert f"cannot open the database {not_db}" in err


def test_an_unwritable_export_target_exits_1(capsys, services, recorded, database, tmp_path):
    status, _, err = cli(capsys, database, "export", "patient", "P000101", "-o",
                         str(tmp_path / "no-such-folder" / "x.json"))
    assert status == EXIT_FAILURE
    assert "cannot write" in err


def test_the_real_entry_point_exports(services, recorded, database):
    """`python main.py` as a user runs it: a separate process, its own imports."""
    expected = dumps(services.exchange.export_document("P000101")).encode("utf-8")
    done = subprocess.run(
        [sys.executable, "main.py", "--db", str(database), "export", "patient", "P000101"],
        cwd=ROOT, capture_output=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == expected


@pytest.mark.parametrize("argv", [[], ["--db", "clinic.sqlite3"], ["--db=clinic.sqlite3"],
                                  ["--db", "Łódź clinic/ψ.sqlite3"]])
def test_opening_the_windows_parses_as_the_full_parser_does(argv):
    """No command: the arguments are read without building every command's parser (a
    start-up cost), to the same answer."""
    from practitioner_app.cli import build_parser, parse

    quick, full = parse(argv), build_parser().parse_args(argv)
    assert (quick.command, quick.db, quick.user) == (full.command, full.db, full.user)
    assert quick.command is None


@pytest.mark.parametrize("argv", [["--db"], ["--db="], ["--db", "x", "--user", "u"],
                                  ["--help"], ["--version"]])
def test_anything_else_goes_to_the_full_parser(argv):
    from practitioner_app.cli import _window_arguments

    assert _window_arguments(argv) is None
