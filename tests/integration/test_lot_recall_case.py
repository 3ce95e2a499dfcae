"""Lot recall ignores case and the blanks around a lot, as typed in the search or as
recorded in the session, and stays a search of the three lot indexes."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys

import pytest

from practitioner_app.domain.course import lot_key
from practitioner_app.persistence import record_repositories
from practitioner_app.persistence.record_repositories import recall_statement
from tests.factories import a_full_session, a_patient
from tests.ui.conftest import start_app  # noqa: F401 - the real window, signed in
from tests.ui.helpers import click, type_text

# Reads or tampers with the file through sqlite3: runs on SQLite only for now.
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def uses(services):
    """HA-5520 recorded three ways (serum, as typed; cartridge in lower case with blanks;
    numbing with a leading tab), and look-alike lots that must not be found."""
    base = a_full_session()
    patients = [services.patients.register(a_patient(number=f"P00010{i}", full_name=name))
                for i, name in enumerate(("Ann Serum", "Bo Cartridge", "Cy Numbing", "Di Other"))]
    services.sessions.save(patients[0].id, base)  # serum lot HA-5520
    services.sessions.save(patients[1].id, dataclasses.replace(
        base, serum=dataclasses.replace(base.serum, lot="HA-55201"),
        needling=dataclasses.replace(base.needling, cartridge_lot=" ha-5520  ")))
    services.sessions.save(patients[2].id, dataclasses.replace(
        base, serum=dataclasses.replace(base.serum, lot="HA-552"),
        numbing=dataclasses.replace(base.numbing, lot="\tHa-5520")))
    services.sessions.save(patients[3].id, dataclasses.replace(
        base, serum=dataclasses.replace(base.serum, lot="HB-5520")))
    return services


@pytest.mark.parametrize("typed", ["ha-5520", "HA-5520", "  Ha-5520\t", "hA-5520 "])
def test_every_use_is_found_however_the_lot_is_typed(uses, typed):
    rows = uses.courses.recall(typed)
    assert [(r.full_name, r.used_as, r.lot) for r in rows] == [
        ("Ann Serum", "serum", "HA-5520"), ("Bo Cartridge", "cartridge", " ha-5520  "),
        ("Cy Numbing", "numbing", "\tHa-5520")]  # each lot shown as it was recorded


def test_lots_that_only_begin_alike_are_not_found(uses):
    assert [r.lot for r in uses.courses.recall("ha-552")] == ["HA-552"]
    assert [r.lot for r in uses.courses.recall("HA-55201")] == ["HA-55201"]
    assert uses.courses.recall("HA-55") == []


@pytest.mark.parametrize("lot", ["ha-5520", "kit-9", "i-0042", "5520", "Łot-7"])
def test_a_search_in_any_case_reads_the_three_lot_indexes(uses, db_path, lot):
    compiled = recall_statement(lot).compile(compile_kwargs={"literal_binds": True})
    con = sqlite3.connect(db_path)
    try:
        plan = [row[-1] for row in con.execute(f"EXPLAIN QUERY PLAN {compiled}")]
    finally:
        con.close()
    assert any("MULTI-INDEX OR" in step for step in plan), plan
    for index in ("ix_treatment_sessions_serum_lot", "ix_treatment_sessions_numbing_lot",
                  "ix_treatment_sessions_cartridge_lot"):
        assert any(index in step for step in plan), plan
    assert not any(step.startswith("SCAN treatment_sessions") for step in plan), plan


def test_the_index_ranges_cover_every_spelling_that_lowers_to_the_lot():
    """The ranges are told from spellings of the lot's first characters: every character
    whose lower case begins a lot must be one of them (Kelvin sign K for k, ẞ for ß)."""
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or chr(code).lower() == chr(code):
            continue  # a character that is its own lower case is searched for as itself
        stored = chr(code) + "x-1"
        prefixes = record_repositories._lot_prefixes(stored.lower())
        assert any(stored.startswith(p) for p in prefixes), (hex(code), prefixes)
    assert lot_key("\u212aIT-9 ") == "kit-9"


def test_the_recall_window_finds_a_lot_typed_in_lower_case(qtbot, start_app):  # noqa: F811
    window = start_app()
    services = window.services
    p = services.patients.register(a_patient())
    services.sessions.save(p.id, a_full_session())  # serum lot HA-5520
    dialog = window.course_actions.open_recall()
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.lot, " ha-5520")
    click(qtbot, dialog.search_button)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 8).text() == "HA-5520"
    assert dialog.message.text() == "1 use(s) of lot ha-5520."
