"""SessionService over a real database (the SQLite file or a database on the clinic
server): what is saved is what comes back, or nothing."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from practitioner_app.domain.enums import DeviceType, FacialZone, Fitzpatrick, SessionStatus
from practitioner_app.domain.errors import NotFound, Severity, ValidationError
from practitioner_app.domain.ids import PatientId, SessionId
from practitioner_app.domain.session import SessionRow, ZoneTreatment
from tests.factories import a_full_session, a_patient, with_zone
from tests.server_helpers import query


def counts(database) -> tuple[int, int]:
    """(sessions, zone rows) in the database."""
    return tuple(query(database, f"SELECT count(*) FROM {t}")[0][0]
                 for t in ("treatment_sessions", "zone_treatments"))


@pytest.fixture
def patient(services):
    return services.patients.register(a_patient())


def test_a_saved_session_reads_back_exactly_as_entered(services, patient):
    entered = a_full_session()
    saved = services.sessions.save(patient.id, entered)
    assert saved.id is not None and saved.patient_id == patient.id
    read = services.sessions.get(saved.id)
    assert read == entered
    # repr also tells an enum from its text and 1.5 from "1.5": the types came back too.
    assert repr(read) == repr(dataclasses.replace(entered, id=saved.id, patient_id=patient.id))


def test_a_session_failing_validation_writes_nothing(services, patient, database):
    bad = with_zone(a_full_session(), depth_mm=3.6, passes=0)
    with pytest.raises(ValidationError) as raised:
        services.sessions.save(patient.id, bad)
    assert {p.path for p in raised.value.problems} == {
        "needling.zones[0].depth_mm", "needling.zones[0].passes"}
    assert counts(database) == (0, 0)


def test_a_failed_update_leaves_the_stored_session_unchanged(services, patient, database):
    saved = services.sessions.save(patient.id, a_full_session())
    with pytest.raises(ValidationError):
        services.sessions.save(patient.id, with_zone(saved, depth_mm=0.0))
    assert services.sessions.get(saved.id) == a_full_session()
    assert counts(database) == (1, 2)


def test_an_update_can_drop_zone_rows(services, patient, database):
    saved = services.sessions.save(patient.id, a_full_session())
    fewer = dataclasses.replace(saved, needling=dataclasses.replace(
        saved.needling, zones=saved.needling.zones[1:]))
    services.sessions.save(patient.id, fewer)
    assert services.sessions.get(saved.id).needling.zones == saved.needling.zones[1:]
    assert counts(database) == (1, 1)


def test_a_warning_does_not_block_the_save(services, patient):
    deep = with_zone(a_full_session(), depth_mm=1.0)  # forehead warns above 0.75 mm
    problems = services.sessions.check(deep, patient.id)
    assert [(p.path, p.severity) for p in problems] == [
        ("needling.zones[0].depth_mm", Severity.WARNING)]
    assert services.sessions.get(services.sessions.save(patient.id, deep).id) == deep


def test_check_includes_the_patients_skin_type_caution(services):
    patient = services.patients.register(a_patient(fitzpatrick=Fitzpatrick.V))
    [caution] = services.sessions.check(a_full_session(), patient.id)
    assert caution.path == "patient.fitzpatrick" and caution.severity is Severity.WARNING


def test_a_session_for_an_unknown_patient_is_refused(services, database):
    with pytest.raises(NotFound):
        services.sessions.save(PatientId(999), a_full_session())
    with pytest.raises(NotFound):
        services.sessions.get(SessionId(999))
    assert counts(database) == (0, 0)


def test_a_session_cannot_be_moved_to_another_patient(services, patient):
    other = services.patients.register(a_patient(number="P000102"))
    saved = services.sessions.save(patient.id, a_full_session())
    with pytest.raises(NotFound):
        services.sessions.save(other.id, saved)


def test_lists_read_oldest_first_in_full_and_newest_first_as_rows(services, patient):
    first = services.sessions.save(patient.id, a_full_session(session_date=date(2026, 9, 1)))
    draft = a_full_session(status=SessionStatus.DRAFT, session_date=date(2026, 10, 1),
                           needling=dataclasses.replace(
                               a_full_session().needling, device_type=DeviceType.RF,
                               zones=(ZoneTreatment(FacialZone.NECK, 0.4, 2),)))
    second = services.sessions.save(patient.id, draft)
    assert [s.id for s in services.sessions.for_patient(patient.id)] == [first.id, second.id]
    assert services.sessions.rows_for_patient(patient.id) == [
        SessionRow(second.id, date(2026, 10, 1), SessionStatus.DRAFT, DeviceType.RF, 1, 0.4,
                   "Dr Jane Roe"),
        SessionRow(first.id, date(2026, 9, 1), SessionStatus.COMPLETED, DeviceType.PEN, 2, 1.5,
                   "Dr Jane Roe"),
    ]


def test_zone_guidance_comes_from_the_database(services):
    by_zone = {g.zone: g for g in services.sessions.zone_guidance()}
    assert by_zone[FacialZone.PERIORBITAL].warn_above_mm == 0.5
    assert len(by_zone) == len(FacialZone)
