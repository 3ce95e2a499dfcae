"""PatientService over a real database (the SQLite file or a database on the clinic
server): registering, refusing, and finding patients."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from practitioner_app.domain.enums import Fitzpatrick
from practitioner_app.domain.errors import DuplicatePatientNumber, NotFound, ValidationError
from practitioner_app.domain.ids import PatientId
from practitioner_app.persistence.mapping import patient_search_key
from tests.factories import HOSTILE_NAMES, a_full_session, a_patient
from tests.server_helpers import query


def patient_count(database) -> int:
    return query(database, "SELECT count(*) FROM patients")[0][0]


def test_a_registered_patient_reads_back_exactly(services):
    entered = a_patient()
    saved = services.patients.register(entered)
    assert saved.id is not None
    assert services.patients.get(saved.id) == entered
    assert repr(services.patients.get_by_number("P000101")) == repr(saved)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_stored_exactly(services, name, database):
    saved = services.patients.register(a_patient(full_name=name))
    assert services.patients.get(saved.id).full_name == name
    [stored] = query(database, "SELECT full_name, search_key FROM patients")
    assert stored == (name, patient_search_key(name, "P000101"))


def test_a_blank_number_gets_the_next_free_one(services):
    services.patients.register(a_patient(number="P000041"))
    services.patients.register(a_patient(number="X-7"))
    assert services.patients.suggest_number() == "P000042"
    assert services.patients.register(a_patient(number="")).number == "P000042"


def test_a_duplicate_number_is_refused_and_nothing_is_written(services, database):
    services.patients.register(a_patient())
    with pytest.raises(DuplicatePatientNumber, match="P000101"):
        services.patients.register(a_patient(full_name="Someone Else"))
    assert patient_count(database) == 1


def test_an_update_to_anothers_number_is_refused(services):
    services.patients.register(a_patient())
    other = services.patients.register(a_patient(number="P000102"))
    with pytest.raises(DuplicatePatientNumber):
        services.patients.update(dataclasses.replace(other, number="P000101"))
    assert services.patients.get(other.id).number == "P000102"


def test_an_invalid_patient_is_refused_with_every_error_and_nothing_is_written(
        services, database):
    bad = a_patient(number="#1", full_name="", date_of_birth=date(2030, 1, 1),
                    fitzpatrick=Fitzpatrick.VI)
    with pytest.raises(ValidationError) as raised:
        services.patients.register(bad)
    # Errors only: the skin-type caution never blocks and is not among them.
    assert [p.path for p in raised.value.problems] == ["number", "full_name", "date_of_birth"]
    assert patient_count(database) == 0


def test_an_update_of_an_unknown_patient_is_refused(services):
    with pytest.raises(NotFound):
        services.patients.update(dataclasses.replace(a_patient(), id=PatientId(999)))
    with pytest.raises(NotFound):
        services.patients.get_by_number("P999999")


@pytest.fixture
def clinic(services):
    """Six patients with names in four scripts; returns number -> id."""
    names = {"P000001": "Łukasz Świętochowski", "P000002": "Zoltán Őrsi",
             "P000003": "Αλέξανδρος Παπαδόπουλος", "P000004": "Жанна Щербакова",
             "P000005": "Ana Martínez", "P000006": "Anna 100% O_Neil"}
    return {number: services.patients.register(a_patient(number=number, full_name=name)).id
            for number, name in names.items()}


def found(services, query) -> list[str]:
    return [row.number for row in services.patients.rows(services.patients.search(query))]


@pytest.mark.parametrize("query, numbers", [
    ("lukasz", ["P000001"]),                      # Ł folded by hand, not by NFKD
    ("SWIETOCHOWSKI", ["P000001"]),
    ("orsi zoltan", ["P000002"]),                 # every word, any order
    ("αλεξανδρος", ["P000003"]),                  # Greek without its accents
    ("ΠΑΠΑΔΌΠΟΥΛΟΣ", ["P000003"]),                # upper case with an accent, final sigma
    ("щербакова", ["P000004"]),                   # Cyrillic, lower case
    ("martinez", ["P000005"]),
    ("P000004", ["P000004"]),                     # by number
    # Sorted by folded name: Latin, then Greek, then Cyrillic (code point order).
    ("p00000", ["P000005", "P000006", "P000001", "P000002", "P000003", "P000004"]),
    ("100%", ["P000006"]),                        # LIKE wildcards are taken literally
    ("o_n", ["P000006"]),
    ("nobody", []),
])
def test_search_ignores_case_and_accents_in_every_script(services, clinic, query, numbers):
    assert found(services, query) == numbers


def test_rows_show_the_last_session_date(services, clinic):
    services.sessions.save(clinic["P000005"], a_full_session(session_date=date(2026, 3, 1)))
    services.sessions.save(clinic["P000005"], a_full_session(session_date=date(2026, 5, 1)))
    rows = {r.number: r for r in services.patients.rows(list(clinic.values()))}
    assert rows["P000005"].last_session == date(2026, 5, 1)
    assert rows["P000001"].last_session is None
