"""Patient search through its index finds exactly what reading every patient with
`LIKE '%word%'` finds, on both backends, and keeps finding it as patients are
registered, renamed, archived or written by plain SQL."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practitioner_app.domain.patient import search_key
from tests.factories import HOSTILE_NAMES, a_patient
from tests.server_helpers import query, sql

#: Names in many scripts and shapes: accents, strokes (Ł, Ø, Đ, ß), Greek with breathings
#: and final sigma, Cyrillic with Ё, CJK, Hangul, Arabic, one-letter and two-letter
#: words, digits, LIKE's wildcards, quotes and a backslash, and compatibility characters
#: whose folding leaves capital ASCII letters in the key (℃ -> °C, ℂ -> C).
NAMES = (
    *HOSTILE_NAMES,
    "Łukasz Świętochowski", "Zoltán Őrsi", "Ἀλέξανδρος Ἰωάννου", "ΣΟΦΊΑ ΝΙΚΟΛΆΟΥ",
    "Ольга Ёлкина", "Жанна Щербакова", "Ana Martínez", "Anna 100% O_Neil", "Anne-Marie d'Arc",
    "Chloë Brontë", "Søren Kierkegaard", "Đorđe Petrović", "Straße Groß", "王小明",
    "佐藤 花子", "김민준", "محمد علي", "Q Quinn", "Ab Cd", "Ef Gh Ij", "Xi Yu", "O", "Al Bo",
    "℃ Celsius", "ℂomplex ℇuler", "ǅoković", "İlkay Gündoğan", "Nguyễn Văn An", "Zoë 42",
    'Back\\Slash "Quoted"', "Anna Anna", "an an an", "Ann", "Nowak-Kowalska",
)
#: Numbers of several shapes, so the number is searched as well as the name.
NUMBERS = [f"P{n:06d}" for n in range(1, len(NAMES) - 3)] + ["Q1", "X-42", "ab12", "P1000000"]
ARCHIVED = {"Ann", "Zoë 42", "Q Quinn"}

#: Characters queries are made of: every script above, LIKE's wildcards, FTS5's syntax
#: characters, white space, and upper case that the folding changes.
ALPHABET = ("abcdeklnoqrsuxyz0124%_\\\"*:^()-'ąłśéëøßΑαλσςωΩЖжщёÖ王花김℃ℂ"
            "ΣΟΦΙΑ ")


@pytest.fixture
def clinic(services):
    """Every name registered under its number; three archived."""
    for number, name in zip(NUMBERS, NAMES, strict=True):
        patient = services.patients.register(a_patient(number=number, full_name=name))
        if name in ARCHIVED:
            services.patients.archive(patient.id, "moved away")
    return services


def like_everyone(database, text: str, include_archived: bool = False) -> list[int]:
    """What the search found before it had an index: every patient's folded key compared
    with `LIKE '%word%'` for each word, in folded-name order."""
    words = search_key(text).split()
    where = [] if include_archived else ["archived_at IS NULL"]
    where += ["search_key LIKE ? ESCAPE '\\'"] * len(words)
    escaped = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
               for w in words]
    statement = ("SELECT id FROM patients" + (" WHERE " + " AND ".join(where) if where else "")
                 + " ORDER BY search_key, id")
    return [row[0] for row in query(database, statement, [f"%{w}%" for w in escaped])]


def pieces_of_names() -> st.SearchStrategy[str]:
    """A piece (1 to 6 characters) of some patient's name or number, as typed."""
    texts = [*NAMES, *NUMBERS]
    return st.sampled_from(texts).flatmap(lambda text: st.tuples(
        st.integers(0, max(0, len(text) - 1)), st.integers(1, 6)).map(
        lambda at: text[at[0]:at[0] + at[1]]))


QUERIES = st.lists(st.one_of(pieces_of_names(), st.text(ALPHABET, min_size=1, max_size=5)),
                   min_size=1, max_size=3).map(" ".join)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=QUERIES, include_archived=st.booleans())
def test_search_finds_exactly_what_reading_every_patient_finds(
        clinic, database, text, include_archived):
    assert clinic.patients.search(text, include_archived=include_archived) == \
        like_everyone(database, text, include_archived)


@pytest.mark.parametrize("text", [
    "", "a", "an", "ann", "an an", "Ł", "lu", "luk", "ΣΟΦ", "σο", "ς", "ё", "е", "王", "王小",
    "花子", "42", "2", "p0", "p00000", "q1", "x-", "100%", "%", "_", "o_n", "\\", '"', '"q',
    "°c", "c", "ℂ", "complex", "d'arc", "-", "kowalska nowak", "ab cd", "ab cd ef", "zzq",
    "xyzzy", "щщщ", "ωω", "ijx", "p1000000", "nobody here",
])
def test_search_matches_the_plain_scan_for_long_short_and_unmatched_words(
        clinic, database, text):
    for include_archived in (False, True):
        assert clinic.patients.search(text, include_archived=include_archived) == \
            like_everyone(database, text, include_archived), text


def test_a_renamed_patient_is_found_by_the_new_name_only(clinic, database):
    services = clinic
    [patient_id] = services.patients.search("kierkegaard")
    patient = services.patients.get(patient_id)
    services.patients.update(dataclasses.replace(patient, full_name="Søren Aabye"))
    assert services.patients.search("kierkegaard") == []
    assert services.patients.search("aabye") == [patient_id]
    assert services.patients.search("soren") == like_everyone(database, "soren")


def test_patients_written_by_plain_sql_are_found(clinic, database):
    """The demo clinic and any other bulk writer insert rows without the repository."""
    row = query(database, "SELECT number, full_name FROM patients WHERE number = 'P000001'")
    assert row
    sql(database, ("INSERT INTO patients (number, full_name, search_key, date_of_birth, sex, "
                   "fitzpatrick, phone, email, address, concerns, concerns_other, "
                   "medical_history, medications, allergies, goals, assessment, plan, "
                   "created_at, updated_at, archive_reason, version) VALUES ('Z9', "
                   "'Quetzal Bulk', 'quetzal bulk z9', '1990-01-01', 'female', 'III', '', '', "
                   "'', '', '', '', '', '', '', '', '', '2026-01-01 00:00:00', "
                   "'2026-01-01 00:00:00', '', 0)", ()))
    [bulk] = query(database, "SELECT id FROM patients WHERE number = 'Z9'")
    assert clinic.patients.search("quetzal") == [bulk[0]]
    assert clinic.patients.search("z9") == [bulk[0]]


@pytest.mark.sqlite_only
def test_an_index_trigger_dropped_outside_the_app_is_put_back_and_the_index_refilled(
        services, database):
    """A patient registered while the trigger was missing is found once the app opens the
    file again (about the file's own index)."""
    from practitioner_app.services.container import open_services

    services.patients.register(a_patient(number="P000001", full_name="Before Drop"))
    services.close()
    sql(database, "DROP TRIGGER patient_search_after_insert",
        "INSERT INTO patients (number, full_name, search_key, date_of_birth, sex, "
        "fitzpatrick, phone, email, address, concerns, concerns_other, medical_history, "
        "medications, allergies, goals, assessment, plan, created_at, updated_at, "
        "archive_reason, version) VALUES ('P000002', 'Unindexed Yolanda', "
        "'unindexed yolanda p000002', '1990-01-01', 'female', 'III', '', '', '', '', '', "
        "'', '', '', '', '', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '', 0)")
    reopened = open_services(database)
    try:
        assert len(reopened.patients.search("yolanda")) == 1
        assert len(reopened.patients.search("before")) == 1
        assert query(database, "SELECT count(*) FROM patient_search") == [(2,)]
    finally:
        reopened.close()


@pytest.mark.sqlite_only  # the server's pg_trgm index is PostgreSQL's own
def test_the_index_holds_every_patient_once(clinic, database):
    assert query(database, "SELECT count(*) FROM patient_search") == \
        query(database, "SELECT count(*) FROM patients")
