"""Saying who changed a record under a workstation, and when.

A save is refused when the record's row moved on since it was read (its version, see
persistence/models.py). The refusal names the other change from the newest audit entry
that recorded a change of that record (every change appends one, in the same
transaction), else from the row's own time of change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.audit import Action
from ..domain.errors import StaleRecord

#: What the refusal says the other workstation did, by the action its entry records.
_VERBS = {
    Action.PATIENT_CREATED: "registered",
    Action.PATIENT_ARCHIVED: "archived",
    Action.SESSION_CREATED: "recorded",
    Action.SESSION_SIGNED: "signed",
    Action.SIGNATURE_IMPORTED: "signed",
    Action.COURSE_OPENED: "opened",
    Action.COURSE_VOIDED: "voided",
}


def when_text(when: datetime) -> str:
    return f"{when:%Y-%m-%d} at {when:%H:%M}"


def stale_record(uow, what: str, actions: tuple[str, ...], *,
                 patient_id: int | None = None, session_id: int | None = None,
                 details: dict[str, Any] | None = None,
                 updated_at: datetime | None = None,
                 refused: str = "Not saved") -> StaleRecord:
    """The refusal of a save of `what` ("patient", "session", ...), read in `uow`:
    `actions` are the audit actions that change it, `patient_id`/`session_id`/`details`
    pick its entries, `updated_at` is the row's own time of change (the fallback);
    `refused` says what did not happen."""
    entry = uow.audit.newest(actions, patient_id=patient_id, session_id=session_id,
                             details=details)
    if entry is not None:
        who, when = uow.users.printed_name(entry.username), entry.at
        verb = _VERBS.get(entry.action, "changed")
        said = f"{who} {verb} this {what} on {when_text(when)}"
    elif updated_at is not None:
        who, when = "", updated_at
        said = f"This {what} was changed on {when_text(when)}"
    else:
        who, when = "", None
        said = f"This {what} was changed elsewhere"
    return StaleRecord(
        f"{refused}: {said}, after it was opened here. Nothing was saved. Reload their "
        "version to see it, then apply your changes again.", who=who, when=when)
