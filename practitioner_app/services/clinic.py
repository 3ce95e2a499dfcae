"""The clinic's details for its paperwork, edited by an administrator in the app."""

from __future__ import annotations

import base64
import dataclasses

from ..domain import guidance as g
from ..domain.accounts import DEFAULT_IDLE_MINUTES, IDLE_MINUTES_RANGE
from ..domain.audit import Action
from ..domain.clinic import DEFAULT_AFTERCARE, LOGO_MAX_BYTES, PNG_SIGNATURE, ClinicProfile
from ..domain.errors import Problem, ValidationError
from ..persistence.repositories import VersionConflict
from .base import Service
from .stale_records import stale_record

_KEYS = {f.name: f"clinic.{f.name}" for f in dataclasses.fields(ClinicProfile)}
_BINARY = {"logo_png"}  # stored as base64 text in the settings table


def validate_clinic(profile: ClinicProfile) -> list[Problem]:
    problems = []
    if not profile.name.strip():
        problems.append(Problem("name", "Clinic name is required; it heads every printed page."))
    limits = {"name": g.NAME_MAX, "phone": g.SHORT_TEXT_MAX,
              "out_of_hours_phone": g.SHORT_TEXT_MAX, "email": g.SHORT_TEXT_MAX,
              "address": g.LONG_TEXT_MAX, "aftercare_text": g.LONG_TEXT_MAX}
    for name, limit in limits.items():
        value = getattr(profile, name)
        if len(value) > limit:
            problems.append(Problem(name, f"{name.replace('_', ' ').capitalize()} may hold at "
                                          f"most {limit:,} characters; it has {len(value):,}."))
    if profile.logo_png and not profile.logo_png.startswith(PNG_SIGNATURE):
        problems.append(Problem("logo_png", "The logo must be a PNG image."))
    if len(profile.logo_png) > LOGO_MAX_BYTES:
        problems.append(Problem(
            "logo_png", f"The logo may be at most {LOGO_MAX_BYTES // 1000:,} kB; it is "
                        f"{len(profile.logo_png) // 1000:,} kB."))
    if not profile.aftercare_text.strip():
        problems.append(Problem("aftercare_text", "Aftercare instructions are required."))
    return problems


def _version(versions: dict[str, int]) -> int:
    # Each change of a setting adds one to its own version (a first value: one), and
    # settings are never deleted, so the sum grows with every change of any of them.
    return sum(versions.values())


def _read_profile(uow) -> tuple[ClinicProfile, int]:
    """The clinic's details (the aftercare text DOMAIN's until edited) and their version."""
    values = {name: uow.settings.get(key) for name, key in _KEYS.items()}
    version = _version(uow.settings.versions(_KEYS.values()))
    for name in _BINARY:
        values[name] = base64.b64decode(values[name])
    if not values["aftercare_text"].strip():
        values["aftercare_text"] = DEFAULT_AFTERCARE
    return ClinicProfile(**values), version


def _stale_setting(uow, what: str, **details) -> Exception:
    return stale_record(uow, what, (Action.ACCOUNT_CHANGED,), details=details)


class ClinicService(Service):
    def profile(self) -> ClinicProfile:
        """The clinic's details; the aftercare text defaults to DOMAIN's until edited."""
        return self.profile_with_version()[0]

    def profile_with_version(self) -> tuple[ClinicProfile, int]:
        """The clinic's details and the version they were read at, for `save_profile`."""
        with self._uow() as uow:
            return _read_profile(uow)

    def save_profile(self, profile: ClinicProfile, version: int | None = None) -> ClinicProfile:
        """Store every field or, on any problem (ValidationError), none; administrators
        only; the changed fields are recorded in the audit trail. With `version` (from
        `profile_with_version`), details changed elsewhere since they were read are
        refused with StaleRecord naming who and when, and nothing is stored."""
        self._require_admin()
        problems = validate_clinic(profile)
        if problems:
            raise ValidationError(problems)
        try:
            with self._uow() as uow:
                uow.audit.hold_chain()  # no other change between the check and the write
                before, stored_version = _read_profile(uow)
                if version is not None and stored_version != version:
                    raise VersionConflict("clinic profile")
                changed = [name for name in _KEYS
                           if getattr(before, name) != getattr(profile, name)]
                self._audit(uow, Action.ACCOUNT_CHANGED, settings="clinic profile",
                            fields=changed)
                for name, key in _KEYS.items():
                    value = getattr(profile, name)
                    if name in _BINARY:
                        value = base64.b64encode(value).decode("ascii")
                    uow.settings.put(key, value)
                uow.commit()
        except VersionConflict:
            with self._uow() as uow:
                raise _stale_setting(uow, "clinic's details",
                                     settings="clinic profile") from None
        return profile


IDLE_MINUTES_KEY = "security.idle_minutes"


class SecuritySettings(Service):
    """Clinic-wide security settings an administrator sets."""

    def idle_minutes(self) -> int:
        """Minutes without input after which the app locks (default 10)."""
        with self._uow() as uow:
            text = uow.settings.get(IDLE_MINUTES_KEY)
        return int(text) if text.isdigit() else DEFAULT_IDLE_MINUTES

    def idle_minutes_with_version(self) -> tuple[int, int]:
        """`idle_minutes()` and the version it was read at, for `set_idle_minutes`."""
        with self._uow() as uow:
            text = uow.settings.get(IDLE_MINUTES_KEY)
            version = _version(uow.settings.versions([IDLE_MINUTES_KEY]))
        return (int(text) if text.isdigit() else DEFAULT_IDLE_MINUTES), version

    def set_idle_minutes(self, minutes: int, version: int | None = None) -> None:
        """Set the idle minutes (administrators only). With `version`, a value changed
        elsewhere since it was read is refused with StaleRecord."""
        self._require_admin()
        low, high = IDLE_MINUTES_RANGE
        if not low <= minutes <= high:
            raise ValidationError([Problem(
                "idle_minutes", f"Lock after idle minutes must be from {low} to {high}; "
                                f"got {minutes}.")])
        try:
            with self._uow() as uow:
                uow.audit.hold_chain()
                if version is not None and _version(
                        uow.settings.versions([IDLE_MINUTES_KEY])) != version:
                    raise VersionConflict(IDLE_MINUTES_KEY)
                old = uow.settings.get(IDLE_MINUTES_KEY) or str(DEFAULT_IDLE_MINUTES)
                uow.settings.put(IDLE_MINUTES_KEY, str(minutes))
                self._audit(uow, Action.ACCOUNT_CHANGED, field="idle_minutes", old=old,
                            new=minutes)
                uow.commit()
        except VersionConflict:
            with self._uow() as uow:
                raise _stale_setting(uow, "idle lock setting", field="idle_minutes") from None
