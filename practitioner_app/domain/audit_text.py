"""The audit trail in words: a label for each action and its details as a sentence a
clinician or an auditor reads, instead of the stored JSON (which stays as it is: the hash
chain covers it).

Older entries are read as they were written: a course saved before courses had actions of
their own was recorded as "patient changed" with the course's number; it is labelled as
the course event it was.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .audit import Action

#: What each action is called in the windows.
ACTION_LABELS: dict[str, str] = {
    Action.SIGN_IN: "Signed in",
    Action.SIGN_IN_FAILED: "Sign-in refused",
    Action.LOCKED: "Locked (idle or Ctrl+L)",
    Action.UNLOCKED: "Unlocked",
    Action.PATIENT_CREATED: "Patient registered",
    Action.PATIENT_CHANGED: "Patient details changed",
    Action.PATIENT_ARCHIVED: "Patient archived",
    Action.SESSION_CREATED: "Session created",
    Action.SESSION_CHANGED: "Session changed",
    Action.SESSION_SIGNED: "Session signed",
    Action.SIGNATURE_IMPORTED: "Signature imported",
    Action.TRIGGERS_RESTORED: "Record protection restored",
    Action.SIGNATURE_REFUSED: "Signature refused",
    Action.ADDENDUM_ADDED: "Addendum added",
    Action.DIGEST_MISMATCH: "Signed record found altered",
    Action.CONSENT_RECORDED: "Consent recorded",
    Action.REPORT_PRINTED: "Document printed",
    Action.REPORT_SAVED: "Document saved as PDF",
    Action.EXPORTED: "Exported",
    Action.IMPORTED: "Imported",
    Action.ACCOUNT_CREATED: "Account created",
    Action.ACCOUNT_CHANGED: "Account changed",
    Action.RULES_CHANGED: "Screen questions changed",
    Action.BACKED_UP: "Backed up",
    Action.NOT_WRITTEN: "File not written",
    Action.COURSE_OPENED: "Course opened",
    Action.COURSE_CHANGED: "Course changed",
    Action.COURSE_VOIDED: "Course voided",
    Action.FILES_TIGHTENED: "File permissions tightened",
    Action.TRANSFERRED: "Moved onto the clinic server",
}

#: Labels some entries take from their details (see `label`), with the actions whose
#: entries may carry them: what the viewer's action filter asks the database for.
CONTEXT_LABELS: dict[str, tuple[str, ...]] = {
    "Course saved": (Action.PATIENT_CHANGED,),
    "Clinic details changed": (Action.ACCOUNT_CHANGED,),
    "Idle lock changed": (Action.ACCOUNT_CHANGED,),
    "Lot recall": (Action.EXPORTED,),
}

#: What a detail's key is called.
_KEY_NAMES = {
    "account": "account", "admin": "administrator", "attempt": "attempt",
    "changes": "changed", "content": "content hash", "course": "course",
    "digest": "record digest", "entry": "entry", "field": "field", "fields": "fields",
    "files": "files", "found": "found", "imported_from": "imported from", "kind": "kind",
    "lot": "lot", "new": "now", "number": "patient no.", "old": "was", "pages": "pages",
    "path": "file", "planned": "planned sessions", "product": "product",
    "purpose": "purpose", "reason": "reason", "rule": "digest rule", "sessions": "sessions",
    "settings": "settings", "signer": "signer", "status": "status", "stored": "stored digest",
    "actual": "actual digest", "to": "to", "version": "text version",
}
_HASH = re.compile(r"[0-9a-f]{64}")


def details_of(details: str) -> dict[str, Any]:
    """The stored details as a dict ({} when empty or not JSON)."""
    try:
        value = json.loads(details) if details else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {"details": value}


def label(action: str, details: str = "") -> str:
    """What the entry was, in words."""
    found = details_of(details)
    if action == Action.PATIENT_CHANGED and "course" in found:
        return "Course saved"  # written before courses had their own actions
    if action == Action.ACCOUNT_CHANGED and "settings" in found:
        return "Clinic details changed"
    if action == Action.ACCOUNT_CHANGED and found.get("field") == "idle_minutes":
        return "Idle lock changed"
    if action == Action.EXPORTED and found.get("purpose") == "lot recall":
        return "Lot recall"
    return ACTION_LABELS.get(action) or action[:1].upper() + action[1:]


def all_labels() -> dict[str, tuple[str, ...]]:
    """Every label the viewer can filter by, with the actions whose entries carry it."""
    labels = {text: (action,) for action, text in ACTION_LABELS.items()}
    labels.update(CONTEXT_LABELS)
    return dict(sorted(labels.items()))


def readable(details: str) -> str:
    """The details as "name: value" parts joined by semicolons; a change as
    "field: old → new". Text is shown exactly as stored (never as markup)."""
    return "; ".join(_parts(details_of(details)))


def _parts(values: dict[str, Any]) -> list[str]:
    parts = []
    for key, value in values.items():
        if value is None or value == "" or value == []:
            continue
        if key == "changes" and isinstance(value, list):
            parts += [_change(c) for c in value if isinstance(c, dict)]
        elif key == "purpose" or (key == "demo" and value is True):
            continue  # said by the label
        else:
            parts.append(f"{_KEY_NAMES.get(key, key.replace('_', ' '))}: {_value(value)}")
    return parts


def _change(change: dict[str, Any]) -> str:
    field = str(change.get("field", "?")).replace("_", " ").replace(".", " › ")
    return f"{field}: {_value(change.get('old'))} → {_value(change.get('new'))}"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "(" + "; ".join(_parts(value)) + ")"
    text = str(value)
    if _HASH.fullmatch(text):
        return text[:12] + "…"  # the full hash is in the entry's raw details
    return f"“{text}”" if isinstance(value, str) and " " in text.strip() else text
