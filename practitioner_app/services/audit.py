"""Reading and checking the audit trail, and logging events the windows witness
(locks, prints, saves). Changes to records log themselves in their own transaction."""

from __future__ import annotations

from datetime import datetime

from ..domain.audit import AuditEntry, first_break
from .base import Service


class AuditService(Service):
    def log(self, action: str, *, patient_id: int | None = None,
            session_id: int | None = None, **details) -> None:
        with self._uow() as uow:
            self._audit(uow, action, patient_id=patient_id, session_id=session_id, **details)
            uow.commit()

    def verify(self) -> tuple[int, str | None]:
        """(entries checked, None) when the chain holds, else the first entry that does
        not, described for a person."""
        with self._uow() as uow:
            entries = uow.audit.all()
            last = uow.audit.last_issued_id()
        return len(entries), first_break(entries, last)

    def head(self) -> str | None:
        """The newest entry's hash: written down elsewhere, it anchors the whole chain."""
        with self._uow() as uow:
            entries = uow.audit.find(limit=1)
        return entries[0].hash if entries else None

    def find(self, *, patient_id: int | None = None, username: str | None = None,
             start: datetime | None = None, end: datetime | None = None) -> list[AuditEntry]:
        self._require_admin()
        with self._uow() as uow:
            return uow.audit.find(patient_id=patient_id, username=username, start=start,
                                  end=end)
