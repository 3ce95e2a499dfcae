"""Errors the services raise; each carries text a clinician can act on."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about one field.

    `path` names the field as attributes from the record's root, e.g.
    `needling.zones[2].depth_mm`; exports use the same names, so the path doubles as the
    JSON path. `message` names the field and the allowed values in plain words.
    """

    path: str
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class DomainError(Exception):
    """Base for every error a user can cause and correct."""


class ValidationError(DomainError):
    """The record breaks one or more rules; nothing was saved."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = [p for p in problems if p.is_error]
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in self.problems))


class NotFound(DomainError):
    """The patient or session asked for does not exist."""


class DuplicatePatientNumber(DomainError):
    """Another patient already has this patient number."""


class PermissionDenied(DomainError):
    """The signed-in account may not do this (e.g. an administrator's task)."""


class SignInRefused(DomainError):
    """Wrong username or password, a deactivated account, or too many recent failures.
    `wait_seconds` says how long to wait before the next attempt is considered."""

    def __init__(self, message: str, wait_seconds: float = 0.0) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class RecordSigned(DomainError):
    """The session is signed and cannot change; corrections are addenda."""
