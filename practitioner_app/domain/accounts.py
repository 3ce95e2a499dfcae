"""Practitioner accounts: who may sign in, who signed what. Accounts are deactivated,
never deleted, so old records keep their author."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import guidance as g
from .errors import Problem

PASSWORD_MIN = 10
#: Minutes without input after which the app locks: the default, and what may be set.
DEFAULT_IDLE_MINUTES = 10
IDLE_MINUTES_RANGE = (1, 240)
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    full_name: str
    role_title: str
    registration_number: str
    is_admin: bool
    active: bool

    @property
    def printed_name(self) -> str:
        """Name, role and registration as printed under a signature."""
        parts = [self.full_name]
        if self.role_title:
            parts.append(self.role_title)
        if self.registration_number:
            parts.append(f"Reg. {self.registration_number}")
        return ", ".join(parts)


def validate_account(username: str, full_name: str, role_title: str,
                     registration_number: str, password: str | None) -> list[Problem]:
    """Problems with a new or changed account; `password` None means "unchanged"."""
    problems = []
    if not _USERNAME.fullmatch(username):
        problems.append(Problem(
            "username", "Username must be 2–32 characters: lower-case letters a–z, digits, "
                        "and . _ - after the first character."))
    if not full_name.strip():
        problems.append(Problem("full_name", "Full name is required; it is printed on records."))
    elif len(full_name) > g.NAME_MAX:
        problems.append(Problem("full_name", f"Full name may hold at most {g.NAME_MAX} "
                                             "characters."))
    for path, label, value in (("role_title", "Role or title", role_title),
                               ("registration_number", "Registration number",
                                registration_number)):
        if len(value) > g.SHORT_TEXT_MAX:
            problems.append(Problem(path, f"{label} may hold at most {g.SHORT_TEXT_MAX} "
                                          "characters."))
    if password is not None:
        problems += password_problems(password)
    return problems


def password_problems(password: str) -> list[Problem]:
    if len(password) < PASSWORD_MIN:
        return [Problem("password", f"Password must have at least {PASSWORD_MIN} characters.")]
    return []


def failed_sign_in_delay(failures: int) -> float:
    """Seconds to wait before the next attempt after `failures` wrong passwords in a row:
    none for the first three, then doubling from 2 s up to 5 minutes."""
    if failures < 3:
        return 0.0
    return float(min(2 ** (failures - 2), 300))


def sign_in_wait(earlier_failures: int, last_failed_at: datetime | None,
                 now: datetime) -> float:
    """Seconds left before an attempt that follows `earlier_failures` counted attempts may
    have its password checked; 0.0 when it may be checked now. The wait runs from the last
    attempt whose password was checked (`last_failed_at`)."""
    wait = failed_sign_in_delay(earlier_failures)
    if not wait or last_failed_at is None:
        return 0.0
    return max(0.0, (last_failed_at + timedelta(seconds=wait) - now).total_seconds())
