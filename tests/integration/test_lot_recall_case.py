"""Lot recall ignores case and the blanks around a lot, as typed in the search or as
recorded in the session, and stays a search of the three lot indexes."""

from __future__ import annotations

import dataclasses
import sqlite3
import sys
from urllib.parse import urlsplit

import pytest

from practitioner_app.domain.course import lot_key
from practitioner_app.persistence import record_repositories
from practitioner_app.persistence.record_repositories import recall_statement
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient
from tests.server_helpers import (
    LOT_INDEXES,
    is_server,
    lot_indexes_in_binary_order,
    server_plan,
    sql,
)
from tests.ui.conftest import start_app  # noqa: F401 - the real window, signed in
from tests.ui.helpers import click, type_text


def _plan_reads_the_lot_indexes(database, lot: str) -> None:
    # A few sessions are read fastest whole; with that ruled out, the plan shows that
    # every condition is answered from a lot index.
    plan = server_plan(database, recall_statement(lot, "postgresql"), conditions_only=True)
    for index in LOT_INDEXES:
        assert any(f"Bitmap Index Scan on {index}" in step for step in plan), plan
    assert not any("Seq Scan on treatment_sessions" in step for step in plan), plan


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
def test_a_search_in_any_case_reads_the_three_lot_indexes(uses, database, lot):
    if is_server(database):
        if not lot_indexes_in_binary_order(database):
            pytest.xfail("the server's lot indexes are in the database's collation, not "
                         "in binary order (COLLATE \"C\"), so the recall reads the table")
        _plan_reads_the_lot_indexes(database, lot)
        return
    compiled = recall_statement(lot).compile(compile_kwargs={"literal_binds": True})
    con = sqlite3.connect(database)
    try:
        plan = [row[-1] for row in con.execute(f"EXPLAIN QUERY PLAN {compiled}")]
    finally:
        con.close()
    assert any("MULTI-INDEX OR" in step for step in plan), plan
    for index in LOT_INDEXES:
        assert any(index in step for step in plan), plan
    assert not any(step.startswith("SCAN treatment_sessions") for step in plan), plan


def test_lot_indexes_in_binary_order_serve_the_recall_on_a_server(uses, database):
    """What the server's schema needs for the recall to read indexes: each lot index in
    binary order, made here as a migration would make it."""
    if not is_server(database):
        pytest.skip("about the clinic server's own indexes")
    sql(database, *(statement for index, column in LOT_INDEXES.items() for statement in (
        f"DROP INDEX {index}",
        f'CREATE INDEX {index} ON treatment_sessions ({column} COLLATE "C")')))
    for lot in ("ha-5520", "kit-9", "Łot-7"):
        _plan_reads_the_lot_indexes(database, lot)
    assert [r.lot for r in uses.courses.recall("HA-5520")] == [
        "HA-5520", " ha-5520  ", "\tHa-5520"]


@pytest.fixture
def linguistic(database, tmp_path):
    """A clinic whose text sorts as people read it, not by code point: on the server, a
    database with ICU's en-GB collation (a server set up in an English locale sorts much
    the same); SQLite always compares in binary order, so its file is the control."""
    from practitioner_app.services.container import open_services
    from tests.conftest import TEST_SERVER
    from tests.server_databases import with_database

    if not is_server(database):
        opened = open_services(database, clock=lambda: NOW)
        yield opened
        opened.close()
        return
    import psycopg

    name = f"icu_{urlsplit(database).path.strip('/')}"
    with psycopg.connect(TEST_SERVER, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu "
                      "ICU_LOCALE 'en-GB' LOCALE 'C.UTF-8'")
    try:
        opened = open_services(with_database(TEST_SERVER, name), clock=lambda: NOW)
        yield opened
        opened.close()
    finally:
        with psycopg.connect(TEST_SERVER, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("recorded, typed", [
    ("HA-5529", "HA-5529"), ("Z9", "z9"), ("abz", "ABZ"), ("AB-12Z", " ab-12z"),
    (" HA-5520", "ha-5520"), ("\tLOT-1", "lot-1"), ("Ωmega-3", "ωMEGA-3")])
def test_every_lot_is_found_whatever_order_the_server_sorts_text_in(linguistic, recorded,
                                                                   typed):
    base = a_full_session()
    patient = linguistic.patients.register(a_patient())
    linguistic.sessions.save(patient.id, dataclasses.replace(
        base, serum=dataclasses.replace(base.serum, lot=recorded)))
    assert [r.lot for r in linguistic.courses.recall(typed)] == [recorded]


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


def test_the_recall_window_finds_a_lot_typed_in_lower_case(qtbot, start_app,  # noqa: F811
                                                            database):
    window = start_app(database)
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
