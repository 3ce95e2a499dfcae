"""A session is recorded as one of the clinic's accounts, and every change to it is
audited with the old and the new value."""

from __future__ import annotations

import dataclasses
import json

import pytest

from practitioner_app.domain.audit import Action
from practitioner_app.domain.errors import ValidationError
from tests.factories import a_full_session, a_patient, with_zone

ADMIN = ("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber")
NURSE = ("asmith", "Ann Smith", "Aesthetic nurse")
PASSWORD = "a long enough password"


@pytest.fixture
def clinic(services):
    services.accounts.create_first_admin(*ADMIN, "", PASSWORD)
    nurse = services.accounts.add_user(*NURSE, "", PASSWORD)
    patient = services.patients.register(a_patient())
    return services, patient, nurse


def _as(account, **overrides):
    return a_full_session(practitioner_name=account[1], practitioner_role=account[2],
                          **overrides)


def test_the_practitioners_offered_are_the_active_accounts(clinic):
    services, _patient, nurse = clinic
    assert services.sessions.practitioners() == [NURSE[1:], ADMIN[1:]]  # by name
    services.accounts.set_active(nurse.id, False)
    assert services.sessions.practitioners() == [ADMIN[1:]]


def test_a_name_and_role_that_are_no_account_are_refused_by_name(clinic):
    services, patient, _nurse = clinic
    with pytest.raises(ValidationError) as refused:
        services.sessions.save(patient.id, a_full_session(
            practitioner_name="Somebody Else", practitioner_role="Surgeon"))
    [problem] = refused.value.problems
    assert problem.path == "practitioner_name"
    assert problem.message == (
        "Practitioner must be one of the clinic's accounts: Ann Smith (Aesthetic nurse); "
        "Dr Jane Roe (Aesthetic nurse prescriber). “Somebody Else” as “Surgeon” is not one.")
    # A real name with another's role is not that account either.
    with pytest.raises(ValidationError):
        services.sessions.save(patient.id, a_full_session(
            practitioner_name=NURSE[1], practitioner_role=ADMIN[2]))
    assert services.sessions.rows_for_patient(patient.id) == []


def test_any_account_may_be_chosen(clinic):
    services, patient, _nurse = clinic
    saved = services.sessions.save(patient.id, _as(NURSE))
    stored = services.sessions.get(saved.id)
    assert (stored.practitioner_name, stored.practitioner_role) == NURSE[1:]


def test_a_session_keeps_the_practitioner_it_was_recorded_with(services):
    patient = services.patients.register(a_patient())
    # Recorded before the clinic had accounts, as whoever it was.
    early = services.sessions.save(patient.id, a_full_session(
        practitioner_name="Dr Old Hand", practitioner_role="Locum"))
    services.accounts.create_first_admin(*ADMIN, "", PASSWORD)
    kept = services.sessions.save(patient.id, dataclasses.replace(
        early, outcome=dataclasses.replace(early.outcome, notes="Reviewed")))
    assert services.sessions.get(kept.id).practitioner_name == "Dr Old Hand"
    with pytest.raises(ValidationError):  # but it cannot become somebody else's
        services.sessions.save(patient.id, dataclasses.replace(
            early, practitioner_name="Dr New Name"))


def test_a_change_is_audited_with_old_and_new_values(clinic):
    services, patient, _nurse = clinic
    saved = services.sessions.save(patient.id, _as(ADMIN))
    changed = with_zone(dataclasses.replace(
        saved, practitioner_name=NURSE[1], practitioner_role=NURSE[2]), depth_mm=0.75)
    services.sessions.save(patient.id, changed)
    [entry] = [e for e in services.audit.find(patient_id=patient.id)
               if e.action == Action.SESSION_CHANGED]
    changes = {c["field"]: (c["old"], c["new"])
               for c in json.loads(entry.details)["changes"]}
    assert changes == {
        "practitioner_name": (ADMIN[1], NURSE[1]),
        "practitioner_role": (ADMIN[2], NURSE[2]),
        "needling.zones[0].depth_mm": (0.5, 0.75),
    }
