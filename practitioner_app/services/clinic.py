"""The clinic's details for its paperwork, edited by an administrator in the app."""

from __future__ import annotations

import dataclasses

from ..domain import guidance as g
from ..domain.clinic import DEFAULT_AFTERCARE, ClinicProfile
from ..domain.errors import Problem, ValidationError
from .base import Service

_KEYS = {f.name: f"clinic.{f.name}" for f in dataclasses.fields(ClinicProfile)}


def validate_clinic(profile: ClinicProfile) -> list[Problem]:
    problems = []
    if not profile.name.strip():
        problems.append(Problem("name", "Clinic name is required; it heads every printed page."))
    limits = {"name": g.NAME_MAX, "phone": g.SHORT_TEXT_MAX, "email": g.SHORT_TEXT_MAX,
              "address": g.LONG_TEXT_MAX, "aftercare_text": g.LONG_TEXT_MAX}
    for name, limit in limits.items():
        value = getattr(profile, name)
        if len(value) > limit:
            problems.append(Problem(name, f"{name.replace('_', ' ').capitalize()} may hold at "
                                          f"most {limit:,} characters; it has {len(value):,}."))
    if not profile.aftercare_text.strip():
        problems.append(Problem("aftercare_text", "Aftercare instructions are required."))
    return problems


class ClinicService(Service):
    def profile(self) -> ClinicProfile:
        """The clinic's details; the aftercare text defaults to DOMAIN's until edited."""
        with self._uow() as uow:
            values = {name: uow.settings.get(key) for name, key in _KEYS.items()}
        if not values["aftercare_text"].strip():
            values["aftercare_text"] = DEFAULT_AFTERCARE
        return ClinicProfile(**values)

    def save_profile(self, profile: ClinicProfile) -> ClinicProfile:
        """Store every field or, on any problem (ValidationError), none."""
        problems = validate_clinic(profile)
        if problems:
            raise ValidationError(problems)
        with self._uow() as uow:
            for name, key in _KEYS.items():
                uow.settings.put(key, getattr(profile, name))
            uow.commit()
        return profile
