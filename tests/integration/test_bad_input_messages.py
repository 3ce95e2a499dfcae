"""Input that used to end in a traceback is answered with a message naming the field or the
limit, exit status 3, and nothing written: documents holding text that is not text, numbers
no computer word holds, or nesting a thousand levels deep; searches of a page of text."""

from __future__ import annotations

from datetime import date

import pytest

from practitioner_app.cli import EXIT_INVALID
from practitioner_app.domain.codec import to_plain
from practitioner_app.domain.patient import SEARCH_MAX
from practitioner_app.services.exchange import FORMAT, VERSION, dumps, parse_json
from tests.cli_helpers import cli
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import every_row

ZONE = "$.sessions[0].needling.zones[0]"


def _document_text(**raw: str) -> str:
    """A valid patient document as JSON text, with the value (or, for KEY, an extra key of
    the patient) named in `raw` replaced by the raw JSON given."""
    document = {"format": FORMAT, "version": VERSION, "patient": to_plain(a_patient()),
                "sessions": [to_plain(a_full_session(session_date=date(2026, 9, 1)))]}
    patient, zone = document["patient"], document["sessions"][0]["needling"]["zones"][0]
    places = {"NAME": (patient, "full_name"), "NOTE": (zone, "note"),
              "DEPTH": (zone, "depth_mm"), "PASSES": (zone, "passes"),
              "OTHER": (patient, "concerns_other"), "VERSION": (document, "version")}
    for name in raw:
        if name == "KEY":
            patient["@@KEY@@"] = 1
        else:
            target, key = places[name]
            target[key] = f"@@{name}@@"
    text = dumps(document)
    for name, fragment in raw.items():
        text = text.replace(f'"@@{name}@@"', fragment, 1)
    return text


CASES = {
    "lone surrogate in a name": (
        {"NAME": '"\\ud800 Ann"'},
        "error: $.patient.full_name: must be text; character 1 is '\\ud800'"),
    "lone surrogate in a zone note": (
        {"NOTE": '"fine \\udfff"'}, f"error: {ZONE}.note: must be text; character 6"),
    "lone surrogate in a key": (
        {"KEY": '"\\udc80x"'}, "error: $.patient.\\udc80x: is not a known field."),
    "whole number above 1e308 for a depth": (
        {"DEPTH": "1" + "0" * 320},
        f"error: {ZONE}.depth_mm: must be a number of at most 1.8e308"),
    "over 4,300 digits for passes": (
        {"PASSES": "9" * 5000},
        f"error: {ZONE}.passes: must be a whole number; got a number of 5,000 characters."),
    "over 4,300 digits for the version": (
        {"VERSION": "7" * 4301}, "error: $.version: must be 1, 2, 3"),
    "a float beyond the largest": (
        {"DEPTH": "1e400"}, f"error: {ZONE}.depth_mm: must be a number; got 1e400."),
    "NaN, which JSON does not have": (
        {"DEPTH": "NaN"}, f"error: {ZONE}.depth_mm: must be a number; got NaN."),
    "nested a thousand levels": (
        {"OTHER": "[" * 1000 + "]" * 1000},
        "error: $: The document nests objects and lists 1,002 levels deep; at most 64"),
}


@pytest.mark.parametrize("raw, expected", CASES.values(), ids=CASES.keys())
def test_a_bad_import_is_named_with_exit_3_and_nothing_written(services, database, tmp_path,
                                                               capsys, raw, expected):
    document = tmp_path / "patient.json"
    document.write_text(_document_text(**raw), encoding="utf-8")
    before = every_row(database)
    status, out, err = cli(capsys, database, "import", str(document))
    assert status == EXIT_INVALID, err
    assert expected in err, err
    assert err.rstrip().endswith("nothing was imported"), err
    assert len(err) < 2000  # the message, not a dump of the document
    assert every_row(database) == before


def test_the_document_itself_is_valid_without_the_bad_parts(services, database, tmp_path,
                                                            capsys):
    """The cases above fail only for what they change."""
    document = tmp_path / "patient.json"
    document.write_text(_document_text(NOTE='"fine"'), encoding="utf-8")
    status, _out, err = cli(capsys, database, "import", str(document))
    assert status == 0, err


def test_sensible_nesting_and_long_text_still_parse():
    assert parse_json('{"a": ' + "[" * 60 + "]" * 60 + "}")["a"]
    assert parse_json('"' + "[" * 5000 + '"').startswith("[[[[")  # brackets in text


@pytest.mark.parametrize("query", ["a" * 50_000, "a " * 30_000, "Ł" * (SEARCH_MAX + 1)],
                         ids=["50,000 characters", "30,000 words", "one over the limit"])
def test_a_search_too_long_is_named_with_its_limit(services, database, capsys, query):
    services.patients.register(a_patient())
    status, out, err = cli(capsys, database, "patients", "list", query)
    assert status == EXIT_INVALID
    assert out == ""
    assert err == (f"practitioner-app: error: QUERY: A search may hold at most {SEARCH_MAX} "
                   f"characters (a name is at most {SEARCH_MAX}); this one has "
                   f"{len(query):,}.\n")


def test_a_search_at_the_limit_is_answered(services, database, capsys):
    services.patients.register(a_patient(full_name="Ana Martínez"))
    status, out, _err = cli(capsys, database, "patients", "list",
                            ("martinez " * SEARCH_MAX)[:SEARCH_MAX])
    assert status == 0 and "Ana Martínez" in out


def test_the_windows_search_box_takes_a_pasted_page_without_failing(qtbot, database):
    from practitioner_app.app import main
    from tests.ui.conftest import PASSWORD, USERNAME, ensure_admin, wait_until_open

    ensure_admin(database)
    window = main(["--db", str(database)], exec_=False)
    qtbot.addWidget(window)
    wait_until_open(qtbot, window)
    dialog = window.access.sign_in_dialog
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    assert dialog.attempt(), dialog.message.text()
    window.services.patients.register(a_patient(full_name="Ana Martínez"))
    for pasted in ("q " * 30_000, "x" * 50_000):
        window.search.setText(pasted)  # answered at once; a failure would fail the test
        assert window.search.text() == pasted[:SEARCH_MAX]
        assert window.patients.rowCount() == 0
    window.search.setText("martinez")
    assert window.patients.rowCount() == 1
    window.close()
