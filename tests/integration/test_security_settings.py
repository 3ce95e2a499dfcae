"""The clinic's idle-lock minutes: set by an administrator, within 1 to 240, audited."""

from __future__ import annotations

import json

import pytest

from practitioner_app.domain.audit import Action
from practitioner_app.domain.errors import ValidationError


def test_idle_minutes_outside_1_to_240_are_refused_naming_the_field(services):
    services.accounts.create_first_admin("jroe", "Jo Roe", "Nurse", "NMC 1",
                                         "correct horse battery")
    assert services.security.idle_minutes() == 10  # the default
    for wrong in (0, 241, -5):
        with pytest.raises(ValidationError) as refused:
            services.security.set_idle_minutes(wrong)
        [problem] = refused.value.problems
        assert problem.path == "idle_minutes"
        assert problem.message == (f"Lock after idle minutes must be from 1 to 240; "
                                   f"got {wrong}.")
    assert services.security.idle_minutes() == 10  # nothing half-saved
    services.security.set_idle_minutes(240)
    assert services.security.idle_minutes() == 240
    [entry] = [e for e in services.audit.find() if e.action == Action.ACCOUNT_CHANGED]
    assert json.loads(entry.details) == {"field": "idle_minutes", "old": "10", "new": 240}
