"""Saving an existing session again: zone rows added, changed, removed, all or nothing."""

from __future__ import annotations

import dataclasses

import pytest

from practitioner_app.domain.enums import FacialZone, SessionStatus
from practitioner_app.domain.errors import ValidationError
from practitioner_app.domain.session import ZoneTreatment
from tests.factories import a_full_session, a_patient, with_zone


def _with_zones(session, zones):
    return dataclasses.replace(
        session, needling=dataclasses.replace(session.needling, zones=tuple(zones)))


@pytest.mark.parametrize("zone_count", [0, 1, 2, 5])
def test_resave_with_a_different_number_of_zones(services, zone_count):
    patient = services.patients.register(a_patient())
    saved = services.sessions.save(patient.id, a_full_session(status=SessionStatus.DRAFT))
    zones = [ZoneTreatment(zone, 0.25 + i / 10, i + 1)
             for i, zone in enumerate(list(FacialZone)[:zone_count])]
    changed = _with_zones(saved, zones)
    services.sessions.save(patient.id, changed)
    assert services.sessions.get(saved.id) == changed
    assert len(services.sessions.for_patient(patient.id)) == 1


def test_invalid_resave_leaves_the_stored_session_as_it_was(services):
    patient = services.patients.register(a_patient())
    saved = services.sessions.save(patient.id, a_full_session())
    broken = with_zone(saved, depth_mm=3.6)
    with pytest.raises(ValidationError) as error:
        services.sessions.save(patient.id, broken)
    assert "at most 3.5 mm" in str(error.value)
    assert services.sessions.get(saved.id) == saved
