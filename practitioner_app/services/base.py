"""What every service is built from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ..domain.accounts import User
from ..domain.errors import PermissionDenied
from ..persistence.unit_of_work import UnitOfWork

UnitOfWorkFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]


class Actor:
    """Who is acting, shared by every service of one app or command: the signed-in
    practitioner, or `fallback` (e.g. "command line") where no account applies."""

    def __init__(self, fallback: str = "system") -> None:
        self.user: User | None = None
        self.fallback = fallback

    @property
    def name(self) -> str:
        return self.user.username if self.user else self.fallback


class Service:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock = datetime.now,
                 actor: Actor | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._actor = actor or Actor()

    def _today(self) -> date:
        return self._clock().date()

    def _audit(self, uow, action: str, *, patient_id: int | None = None,
               session_id: int | None = None, **details: Any):
        """Record `action` in the audit log inside `uow`, so it commits with the change;
        returns the entry (records name its id to be tied to it)."""
        return uow.audit.append(self._clock(), self._actor.name, action, patient_id=patient_id,
                         session_id=session_id, details=details or None)

    def _require_admin(self) -> None:
        """Refuse unless an administrator is acting. A database without any account yet
        (never opened in the app) has no administrator to ask for, so it is open."""
        user = self._actor.user
        if user is not None and user.is_admin:
            return
        if user is None:
            with self._uow() as uow:
                if uow.users.count() == 0:
                    return
        raise PermissionDenied("Only an administrator may do this.")
