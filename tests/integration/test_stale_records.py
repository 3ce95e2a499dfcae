"""Two workstations with the same record open: the second save is refused, naming who
changed it and when, and nothing of it is written; once it has read the other version
again, its save goes through. On the SQLite file and on the clinic's server."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.course import Course, CourseStatus
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.errors import DuplicatePatientNumber, RecordSigned, StaleRecord
from practitioner_app.domain.signing import Consent
from practitioner_app.services.container import open_services
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient
from tests.server_helpers import query

PASSWORD = "correct horse battery"
#: When workstation A saves: a minute after B (at NOW) opened the record.
A_SAVES_AT = NOW + timedelta(minutes=1)


@pytest.fixture
def workstations(database, services):
    """Workstation A (Dr Jane Roe, jroe) and workstation B (Nurse Sam Lee, slee), each
    with its own services on the same database, signed in."""
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    services.accounts.add_user("slee", "Sam Lee", "Nurse", "NMC 98B7654C", PASSWORD,
                               is_admin=True)
    a = open_services(database, clock=lambda: A_SAVES_AT)
    b = open_services(database, clock=lambda: NOW)
    a.accounts.sign_in("jroe", PASSWORD)
    b.accounts.sign_in("slee", PASSWORD)
    yield a, b
    a.close()
    b.close()


def _refused_by_jroe(refusal: pytest.ExceptionInfo) -> None:
    stale = refusal.value
    assert stale.who == "Dr Jane Roe (jroe)"
    assert stale.when == A_SAVES_AT
    assert "Dr Jane Roe (jroe)" in str(stale) and "2026-11-24 at 10:31" in str(stale)
    assert "Nothing was saved" in str(stale)


def test_a_patient_changed_at_another_workstation_is_refused_naming_who_and_when(
        workstations, database):
    a, b = workstations
    registered = a.patients.register(a_patient())
    at_a, at_b = a.patients.get(registered.id), b.patients.get(registered.id)

    a.patients.update(dataclasses.replace(at_a, allergies="Lidocaine"))
    with pytest.raises(StaleRecord) as refusal:
        b.patients.update(dataclasses.replace(at_b, phone="+44 20 7946 0999"))
    _refused_by_jroe(refusal)

    stored = b.patients.get(registered.id)
    assert (stored.allergies, stored.phone) == ("Lidocaine", at_b.phone)  # A's, not B's
    assert query(database, "SELECT count(*) FROM audit_log WHERE action = 'patient changed'"
                 ) == [(1,)]
    # B reads A's version and applies its change again: both are kept.
    saved = b.patients.update(dataclasses.replace(stored, phone="+44 20 7946 0999"))
    again = a.patients.get(registered.id)
    assert (again.allergies, again.phone) == ("Lidocaine", "+44 20 7946 0999")
    assert saved.version == again.version


def test_a_patient_archived_at_another_workstation_is_refused(workstations):
    a, b = workstations
    registered = a.patients.register(a_patient())
    at_b = b.patients.get(registered.id)
    a.patients.archive(registered.id, "Moved away")
    with pytest.raises(StaleRecord, match="Dr Jane Roe \\(jroe\\) archived this patient"):
        b.patients.update(dataclasses.replace(at_b, phone="+44 20 7946 0999"))
    assert b.patients.get(registered.id).archive_reason == "Moved away"


def test_a_session_changed_at_another_workstation_is_refused_and_nothing_written(
        workstations, database):
    a, b = workstations
    patient = a.patients.register(a_patient())
    draft = a.sessions.save(patient.id, a_full_session())
    at_a, at_b = a.sessions.get(draft.id), b.sessions.get(draft.id)

    a.sessions.save(patient.id, dataclasses.replace(
        at_a, outcome=dataclasses.replace(at_a.outcome, notes="Tolerated well")))
    with pytest.raises(StaleRecord) as refusal:
        b.sessions.save(patient.id, dataclasses.replace(
            at_b, outcome=dataclasses.replace(at_b.outcome, adverse_events="Mild erythema"),
            needling=dataclasses.replace(at_b.needling, zones=at_b.needling.zones[:1])))
    _refused_by_jroe(refusal)

    stored = b.sessions.get(draft.id)
    assert stored.outcome.notes == "Tolerated well"
    assert stored.outcome.adverse_events == at_b.outcome.adverse_events
    assert stored.needling.zones == at_b.needling.zones  # no zone row of B's removed
    assert query(database, "SELECT count(*) FROM audit_log WHERE action = 'session changed'"
                 ) == [(1,)]

    saved = b.sessions.save(patient.id, dataclasses.replace(
        stored, outcome=dataclasses.replace(stored.outcome, adverse_events="Mild erythema")))
    final = a.sessions.get(draft.id)
    assert (final.outcome.notes, final.outcome.adverse_events) == ("Tolerated well",
                                                                   "Mild erythema")
    assert saved.version == final.version


def test_saving_over_a_session_signed_at_another_workstation_names_the_signer(
        workstations):
    a, b = workstations
    patient = a.patients.register(a_patient())
    a.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1), "Sam Witness"))
    draft = a.sessions.save(patient.id, a_full_session(status=SessionStatus.COMPLETED))
    at_b = b.sessions.get(draft.id)
    a.sessions.sign(draft.id, PASSWORD)
    with pytest.raises(StaleRecord, match="Dr Jane Roe \\(jroe\\) signed this session"):
        b.sessions.save(patient.id, dataclasses.replace(
            at_b, outcome=dataclasses.replace(at_b.outcome, notes="Late note")))
    assert b.sessions.get(draft.id).is_signed


def test_a_session_is_signed_once_the_second_signature_is_refused_by_name(
        workstations, database):
    a, b = workstations
    patient = a.patients.register(a_patient())
    a.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1), "Sam Witness"))
    draft = a.sessions.save(patient.id, a_full_session(status=SessionStatus.COMPLETED))
    shown_at_b = b.sessions.get(draft.id)

    signed = a.sessions.sign(draft.id, PASSWORD)
    for version in (None, shown_at_b.version):
        with pytest.raises(RecordSigned, match="already signed by Dr Jane Roe \\(jroe\\) "
                                               "on 2026-11-24 at 10:31"):
            b.sessions.sign(draft.id, PASSWORD, version=version)

    assert b.sessions.get(draft.id).signature == signed.signature
    assert query(database, "SELECT count(*) FROM audit_log WHERE action = 'session signed'"
                 ) == [(1,)]
    assert b.sessions.verify(draft.id) is None


def test_signing_a_draft_changed_since_it_was_shown_is_refused(workstations):
    a, b = workstations
    patient = a.patients.register(a_patient())
    b.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1), "Sam Witness"))
    draft = a.sessions.save(patient.id, a_full_session(status=SessionStatus.COMPLETED))
    shown_at_b = b.sessions.get(draft.id)
    a.sessions.save(patient.id, dataclasses.replace(
        draft, outcome=dataclasses.replace(draft.outcome, notes="Changed by A")))
    with pytest.raises(StaleRecord, match="Not signed: Dr Jane Roe \\(jroe\\) changed"):
        b.sessions.sign(draft.id, PASSWORD, version=shown_at_b.version)
    assert not b.sessions.get(draft.id).is_signed
    reread = b.sessions.get(draft.id)
    assert b.sessions.sign(draft.id, PASSWORD, version=reread.version).is_signed


def test_a_course_changed_at_another_workstation_is_refused(workstations):
    a, b = workstations
    patient = a.patients.register(a_patient())
    a.courses.save(patient.id, Course(0, date(2026, 11, 1), planned_sessions=3))
    [at_a], [at_b] = a.courses.courses(patient.id), b.courses.courses(patient.id)

    a.courses.save(patient.id, dataclasses.replace(at_a, planned_sessions=5))
    with pytest.raises(StaleRecord) as refusal:
        b.courses.save(patient.id, dataclasses.replace(at_b, notes="Add neck"))
    _refused_by_jroe(refusal)
    [stored] = b.courses.courses(patient.id)
    assert (stored.planned_sessions, stored.notes) == (5, "")

    # Completing or voiding what was shown is refused the same way.
    with pytest.raises(StaleRecord, match="Dr Jane Roe \\(jroe\\) changed this course"):
        b.courses.complete(patient.id, at_b.number, version=at_b.version)
    with pytest.raises(StaleRecord, match="Dr Jane Roe \\(jroe\\) changed this course"):
        b.courses.void(patient.id, at_b.number, "Opened twice", version=at_b.version)
    assert b.courses.courses(patient.id)[0].status is CourseStatus.OPEN

    saved = b.courses.save(patient.id, dataclasses.replace(stored, notes="Add neck"))
    assert (saved.planned_sessions, saved.notes) == (5, "Add neck")
    assert b.courses.complete(patient.id, saved.number, version=saved.version).status \
        is CourseStatus.COMPLETED


def test_clinic_details_changed_at_another_workstation_are_refused(workstations):
    a, b = workstations
    b.clinic.save_profile(ClinicProfile("Skin Clinic"))
    at_a, version_a = a.clinic.profile_with_version()
    at_b, version_b = b.clinic.profile_with_version()
    assert version_a == version_b

    a.clinic.save_profile(dataclasses.replace(at_a, phone="020 7946 0000"), version_a)
    with pytest.raises(StaleRecord) as refusal:
        b.clinic.save_profile(dataclasses.replace(at_b, name="Skin & Laser Clinic"),
                              version_b)
    _refused_by_jroe(refusal)
    stored, version = b.clinic.profile_with_version()
    assert (stored.name, stored.phone) == ("Skin Clinic", "020 7946 0000")

    b.clinic.save_profile(dataclasses.replace(stored, name="Skin & Laser Clinic"), version)
    assert a.clinic.profile() == dataclasses.replace(stored, name="Skin & Laser Clinic")


def test_the_idle_lock_setting_changed_at_another_workstation_is_refused(workstations):
    a, b = workstations
    _minutes, version = b.security.idle_minutes_with_version()
    a.security.set_idle_minutes(15)
    with pytest.raises(StaleRecord, match="Dr Jane Roe \\(jroe\\) changed"):
        b.security.set_idle_minutes(5, version)
    assert b.security.idle_minutes() == 15


def test_a_number_taken_between_the_check_and_the_insert_is_a_duplicate_not_a_traceback(
        services):
    """The unique constraint itself, reached past the service's own check (as a second
    workstation's insert would be at the same instant), says which number."""
    services.patients.register(a_patient(number="P000007"))
    with services._database.unit_of_work() as uow:
        with pytest.raises(DuplicatePatientNumber, match="P000007 is already used"):
            uow.patients.add(a_patient(number="P000007"), NOW)
    assert [p.number for p in map(services.patients.get, services.patients.search(""))] \
        == ["P000007"]


def test_versions_are_left_out_of_exports_and_signatures(workstations):
    a, _b = workstations
    patient = a.patients.register(a_patient())
    saved = a.sessions.save(patient.id, a_full_session())
    document = a.exchange.export_document(patient.number)
    a.patients.update(dataclasses.replace(a.patients.get(patient.id), phone="1"))
    a.patients.update(dataclasses.replace(a.patients.get(patient.id), phone=patient.phone))
    for notes in ("Changed", saved.outcome.notes):
        stored = a.sessions.get(saved.id)
        a.sessions.save(patient.id, dataclasses.replace(
            stored, outcome=dataclasses.replace(stored.outcome, notes=notes)))
    assert a.sessions.get(saved.id).version == saved.version + 2
    assert a.exchange.export_document(patient.number) == document
    assert "version" not in document["patient"]
