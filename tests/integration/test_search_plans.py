"""Patient search and the number suggestion read indexes, never every patient: checked
with EXPLAIN on the very statements the services send, never with a timing.

On a file the plans are SQLite's (EXPLAIN QUERY PLAN); on a clinic server, PostgreSQL's
with sequential and plain index scans priced out (`enable_seqscan`, `enable_indexscan`),
so the test asks whether an index can seek for the query rather than whether a small
test table is worth it.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import a_patient
from tests.server_helpers import is_server
from tests.sql_capture import sent_sql

#: `SCAN patients ...` reads every patient (in table or index order); SEARCH seeks.
_READS_EVERY_PATIENT = re.compile(r"^SCAN patients\b")

NAMES = ("Łukasz Świętochowski", "Zoltán Őrsi", "Αλέξανδρος Παπαδόπουλος",
         "Жанна Щербакова", "Ana Martínez", "Søren Kierkegaard", "Q Quinn", "Xi Yu",
         "Anna Nowak", "Marta Kowalska", "Ewa Lis", "Jan Kot", "Olga Ivanova", "Ida Berg",
         "Tom Hardy", "Lea Roth", "Paul Klee", "Rita Moss", "Nils Holm", "Emma Stone")


@pytest.fixture
def clinic(services):
    for n, name in enumerate(NAMES, start=1):
        services.patients.register(a_patient(number=f"P{n:06d}", full_name=name))
    return services


def sqlite_plans(services, call) -> list[tuple[str, list[str]]]:
    """(SQL, EXPLAIN QUERY PLAN lines) of each SELECT `call` sends through the engine."""
    with sent_sql(services, selects_only=True) as statements:
        call()
    with services._database.engine.connect() as connection:
        raw = connection.connection.driver_connection
        return [(text, [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {text}", params)])
                for text, params in statements]


def server_plans(services, call, priced_out=("seqscan",)) -> list[tuple[str, list[str]]]:
    """(SQL, EXPLAIN lines) of each SELECT `call` sends, planned with the `priced_out`
    scans made dearest (a test table is read whole more cheaply than through any index)."""
    from sqlalchemy import event

    engine = services._database.engine
    sent = []

    def record(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if not executemany and statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    found = []
    with engine.begin() as connection:
        for scan in priced_out:
            connection.exec_driver_sql(f"SET LOCAL enable_{scan} = off")
        for text, params in sent:
            lines = connection.exec_driver_sql(f"EXPLAIN {text}", params).scalars().all()
            found.append((text, lines))
    return found


def fill_the_server_clinic(services, count: int = 3000) -> None:
    """A clinic's worth of other patients (numbers P000101 on), with planner statistics:
    on a few rows the server rightly prefers any plain read to an index, whatever the
    settings."""
    with services._database.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO patients (number, full_name, search_key, date_of_birth, sex, "
            "fitzpatrick, phone, email, address, concerns, concerns_other, medical_history, "
            "medications, allergies, goals, assessment, plan, created_at, updated_at, "
            "archive_reason, version) SELECT 'P' || lpad((g + 100)::text, 6, '0'), "
            "'Filler ' || g, 'filler ' || g || ' p' || lpad((g + 100)::text, 6, '0'), "
            "'1990-01-01', 'female', 'III', '', '', '', '', '', '', '', '', '', '', '', "
            f"now(), now(), '', 0 FROM generate_series(1, {count}) AS g")
        # New entries wait in a GIN index's pending list until autovacuum merges them,
        # and the planner prices reading that list: merge them as autovacuum would.
        if connection.exec_driver_sql(
                "SELECT to_regclass('ix_patients_search_trgm')").scalar() is not None:
            connection.exec_driver_sql(
                "SELECT gin_clean_pending_list('ix_patients_search_trgm')")
        connection.exec_driver_sql("ANALYZE patients")


def search_statements(plans) -> list[tuple[str, list[str]]]:
    return [(text, plan) for text, plan in plans if "search_key" in text and "ORDER BY" in text]


# --- search on a file ---------------------------------------------------------------------


@pytest.mark.sqlite_only  # SQLite's own plans; the server's are checked below
@pytest.mark.parametrize("text, expected", [
    ("kierkegaard", ["Søren Kierkegaard"]),      # one long word
    ("swieto luk", ["Łukasz Świętochowski"]),    # two long words, both from the index
    ("ανδρ", ["Αλέξανδρος Παπαδόπουλος"]),       # Greek, folded
    ("q", ["Q Quinn"]),                          # a one-character word ...
    ("xi", ["Xi Yu"]),                           # ... and a two-character one
    ("ow al", ["Marta Kowalska"]),               # only short words
    ("an now", ["Anna Nowak"]),                  # a short word beside a long one
    ("p000007", ["Q Quinn"]),                    # a number
])
def test_search_by_rare_words_reads_the_trigram_index_not_every_patient(
        clinic, text, expected):
    """The plan for "kierkegaard", as SQLite gives it:

        SCAN patient_search VIRTUAL TABLE INDEX 0:M1
        SEARCH patients USING INTEGER PRIMARY KEY (rowid=?)
        USE TEMP B-TREE FOR ORDER BY

    The index gives the few patients that can match; each is read by id and compared
    with LIKE; only those are sorted by name."""
    services = clinic
    found = [row.full_name for row in services.patients.rows(services.patients.search(text))]
    assert found == expected
    [(statement, plan)] = search_statements(sqlite_plans(
        services, lambda: services.patients.search(text)))
    print(text, plan)
    assert "MATCH" in statement
    assert any(line.startswith("SCAN patient_search VIRTUAL TABLE INDEX") and ":M" in line
               for line in plan), plan
    assert "SEARCH patients USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
    assert not any(_READS_EVERY_PATIENT.match(line) for line in plan), plan


@pytest.mark.sqlite_only
@pytest.mark.parametrize("text", ["zzq", "qx", "q zzz", "kierkegaard zzq", "ωω"])
def test_a_search_no_patient_matches_reads_no_patient(clinic, text):
    """A word in nobody's key is known from the index's term list: the search asks the
    index for that word alone, which finds nobody, so no patient is read."""
    services = clinic
    assert services.patients.search(text) == []
    [(statement, plan)] = search_statements(sqlite_plans(
        services, lambda: services.patients.search(text)))
    assert "MATCH" in statement
    assert any(line.startswith("SCAN patient_search VIRTUAL TABLE INDEX") for line in plan)
    assert not any(_READS_EVERY_PATIENT.match(line) for line in plan), plan


@pytest.mark.sqlite_only
def test_a_word_most_patients_hold_reads_the_name_index_in_order(clinic):
    """Listing most patients costs about what reading the name index does: then the
    index is read in name order (no sort) rather than looked up patient by patient."""
    services = clinic
    assert len(services.patients.search("p0000")) == len(NAMES)
    [(_statement, plan)] = search_statements(sqlite_plans(
        services, lambda: services.patients.search("p0000")))
    assert any("COVERING INDEX ix_patients_archived_search" in line for line in plan), plan
    assert not any("TEMP B-TREE" in line for line in plan), plan


# --- search on a server ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["kierkegaard", "swieto luk", "an now", "p000007", "zzq"])
def test_search_on_a_server_can_read_the_trigram_index(clinic, database, text):
    """On a server a word of three characters or more is found through pg_trgm's GIN
    index (migration 0007). A query of only one- and two-character words has no trigram
    to look up: the server reads the name index or the table (not asserted)."""
    if not is_server(database):
        pytest.skip("the server's plan; the file's is checked above")
    services = clinic
    with services._database.engine.connect() as connection:
        if connection.exec_driver_sql(
                "SELECT to_regclass('ix_patients_search_trgm')").scalar() is None:
            pytest.skip("pg_trgm is not installed on this server")
    fill_the_server_clinic(services)
    # Plain index scans priced out too: an ordered read of the whole name index is what
    # the trigram index replaces; what is left is whether an index can seek.
    [(_statement, plan)] = search_statements(server_plans(
        services, lambda: services.patients.search(text), ("seqscan", "indexscan")))
    assert any("ix_patients_search_trgm" in line for line in plan), "\n".join(plan)
    assert not any("Seq Scan on patients" in line for line in plan), plan


# --- the number suggestion ------------------------------------------------------------------


def test_the_number_suggestion_seeks_the_longest_numbers_in_their_index(clinic, database):
    """SQLite's plans, one seek each:

        SEARCH patients USING COVERING INDEX ix_patients_number_length
        SEARCH patients USING COVERING INDEX ix_patients_number_length (<expr>=? AND
            number>? AND number<?)
    """
    services = clinic
    assert services.patients.suggest_number() == f"P{len(NAMES) + 1:06d}"
    if is_server(database):
        fill_the_server_clinic(services)
        assert services.patients.suggest_number() == "P003101"
        plans = server_plans(services, services.patients.suggest_number)
        # The server may walk the number index down from Q instead, stopping at the
        # limit: a seek either way, never a read of every number and a sort.
        for _statement, plan in plans:
            assert any(re.search(r"Index (Only )?Scan (Backward )?using "
                                 r"(ix_patients_number_length|uq_patients_number)", line)
                       for line in plan), plan
            assert not any("Seq Scan" in line or "Sort" in line for line in plan), plan
        return
    plans = sqlite_plans(services, services.patients.suggest_number)
    assert plans
    for _statement, plan in plans:
        assert any(line.startswith("SEARCH patients USING COVERING INDEX "
                                   "ix_patients_number_length") for line in plan), plan
        assert not any(_READS_EVERY_PATIENT.match(line) or "TEMP B-TREE" in line
                       for line in plan), plan
