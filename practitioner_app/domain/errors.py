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


class StorageError(DomainError):
    """The disk or the database file failed; the change in progress was not saved (saves
    are all or nothing, so nothing was half-saved)."""


class StorageFull(StorageError):
    """No space left where the database (or a backup) is written."""


class StorageReadOnly(StorageError):
    """The database file or its folder cannot be written."""


class DatabaseBusy(StorageError):
    """Another program held the database for longer than the busy timeout."""


class DatabaseDamaged(StorageError):
    """The file is damaged, or is not a database at all."""


class DatabaseInUse(StorageError):
    """Another copy of the app has this database open for writing."""

    def __init__(self, message: str, holder: object | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class BackupError(StorageError):
    """A backup could not be made or verified, or a file cannot be restored."""


class ServerUnavailable(StorageError):
    """The clinic's database server cannot be reached (stopped, or the network is down);
    the change in progress was not saved, and it can be saved again once it is back."""


class ServerRefused(StorageError):
    """The database server answered but refused us: a wrong password, an unknown host or
    database, a refused TLS handshake. Retrying will not help until the setting is fixed."""


class StaleRecord(DomainError):
    """The record changed on another workstation since it was opened here; nothing was
    saved. `who` and `when` name the other change when known."""

    def __init__(self, message: str, who: str = "", when: object | None = None) -> None:
        super().__init__(message)
        self.who = who
        self.when = when
