"""What the opening thread prepares while the clinician types (`Services.warm_up`): the
SQL of the first screen compiled, so Enter waits for the password check and little else;
and nothing read is written, kept or audited."""

from __future__ import annotations

from practitioner_app.services.container import (
    DUE_SHOWN,
    DUE_WITHIN_DAYS,
    LIST_FIRST_IDS,
    LIST_ROW_BLOCK,
    open_services,
)
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import every_row
from tests.sql_capture import compiled_anew

USER, PASSWORD = "jroe", "correct horse battery"


def a_clinic(db_path) -> None:
    services = open_services(db_path)
    try:
        services.accounts.create_first_admin(USER, "Dr Jane Roe", "Aesthetic nurse prescriber",
                                             "NMC 1", PASSWORD)  # as a_full_session records
        services.accounts.sign_in(USER, PASSWORD)
        patient = services.patients.register(a_patient(full_name="Zoë <Warm> Ñame"))
        services.sessions.save(patient.id, a_full_session())
    finally:
        services.close()


def the_first_screen(services) -> None:
    """What the window reads on signing in: the account, the idle-lock setting, the due
    list, the patient list and the first patient with their sessions and consents."""
    with services._database.unit_of_work() as uow:
        uow.users.record(USER)
    services.security.idle_minutes()
    # As the due list asks: its first 200, and whether more.
    services.courses.due(DUE_WITHIN_DAYS, DUE_SHOWN + 1)
    services.patient_count()  # the list counts the clinic and reads its first page
    ids = services.patients.search("", LIST_FIRST_IDS)
    services.patients.rows(ids[:LIST_ROW_BLOCK])
    services.patients.get(ids[0])
    services.sessions.rows_for_patient(ids[0])
    services.consents.for_patient(ids[0])
    services.consents.current_version()


def test_after_warm_up_the_first_screen_sends_only_sql_compiled_already(db_path):
    a_clinic(db_path)
    services = open_services(db_path)
    try:
        services.warm_up()
        with compiled_anew(services) as compiled:
            the_first_screen(services)
        assert compiled == []
    finally:
        services.close()


def test_without_warm_up_the_first_screen_compiles_its_sql(db_path):
    """The test above can fail: the same reads on a cold engine compile their SQL."""
    a_clinic(db_path)
    services = open_services(db_path)
    try:
        with compiled_anew(services) as compiled:
            the_first_screen(services)
        assert len(compiled) >= 5
    finally:
        services.close()


def test_warm_up_writes_nothing(db_path):
    a_clinic(db_path)
    before = every_row(db_path)
    services = open_services(db_path)
    try:
        services.warm_up()
        assert services.accounts.current_user is None
    finally:
        services.close()
    assert every_row(db_path) == before  # the audit trail included


def test_warm_up_on_a_new_clinic_with_no_patients_or_accounts(db_path):
    services = open_services(db_path)
    try:
        services.warm_up()
        assert not services.accounts.has_accounts() and services.patients.search("") == []
    finally:
        services.close()
