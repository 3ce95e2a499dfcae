"""Putting back the database's own protections when they were taken away outside the app."""

from __future__ import annotations

from ..domain.audit import Action
from ..persistence import triggers
from .base import Service


class ProtectionService(Service):
    def restore_triggers(self) -> list[str]:
        """Re-create any protective trigger that is missing or altered, and record in the
        audit trail which ones, in the same transaction. Returns them as "name (missing)"
        ([] when all were in place: nothing is written)."""
        with self._uow() as uow:
            found = triggers.restore(uow.session.connection())
            if not found:
                return []
            names = [f"{name} ({state})" for name, state in found]
            self._audit(uow, Action.TRIGGERS_RESTORED, triggers=names)
            uow.commit()
        return names
