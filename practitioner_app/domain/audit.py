"""The audit trail's vocabulary and its hash chain.

Each entry's hash covers its own fields and the previous entry's hash, so altering,
inserting or removing an entry breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


class Action:
    """What an entry records. Plain strings: they are stored and shown as they are."""

    SIGN_IN = "sign-in"
    SIGN_IN_FAILED = "sign-in failed"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    PATIENT_CREATED = "patient created"
    PATIENT_CHANGED = "patient changed"
    PATIENT_ARCHIVED = "patient archived"
    SESSION_CREATED = "session created"
    SESSION_CHANGED = "session changed"
    SESSION_SIGNED = "session signed"
    SIGNATURE_IMPORTED = "signature imported"
    TRIGGERS_RESTORED = "protective triggers restored"
    SIGNATURE_REFUSED = "signature refused"
    ADDENDUM_ADDED = "addendum added"
    DIGEST_MISMATCH = "digest mismatch"
    CONSENT_RECORDED = "consent recorded"
    REPORT_PRINTED = "report printed"
    REPORT_SAVED = "report saved"
    EXPORTED = "export"
    IMPORTED = "import"
    ACCOUNT_CREATED = "account created"
    ACCOUNT_CHANGED = "account changed"
    RULES_CHANGED = "rules changed"
    COURSE_VOIDED = "course voided"
    #: Files or folders of the clinic that other users of the computer could read were
    #: made owner-only at start; its details name them.
    FILES_TIGHTENED = "file permissions tightened"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    username: str
    action: str
    patient_id: int | None
    session_id: int | None
    details: str  # canonical JSON
    prev_hash: str
    hash: str


def canonical_details(details: dict[str, Any] | None) -> str:
    return json.dumps(details or {}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, entry_id: int, at: datetime, username: str, action: str,
               patient_id: int | None, session_id: int | None, details: str) -> str:
    payload = json.dumps([entry_id, at.isoformat(), username, action, patient_id, session_id,
                          details], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def first_break(entries: list[AuditEntry], last_issued_id: int) -> str | None:
    """A description of the first entry that does not hold, or None if the chain holds.

    `last_issued_id` is the highest id ever issued (SQLite's AUTOINCREMENT counter), so a
    removal at the end is found too.
    """
    expected_prev, expected_id = GENESIS, 1
    for e in entries:
        if e.id != expected_id:
            return (f"entry {expected_id} is missing" if e.id > expected_id
                    else f"entry {e.id} is out of order")
        if e.prev_hash != expected_prev:
            return f"entry {e.id} does not follow entry {e.id - 1}: an entry was inserted"
        if entry_hash(e.prev_hash, e.id, e.at, e.username, e.action, e.patient_id,
                      e.session_id, e.details) != e.hash:
            return f"entry {e.id} was altered"
        expected_prev, expected_id = e.hash, e.id + 1
    if last_issued_id >= expected_id:
        return f"entry {expected_id} is missing (removed from the end)"
    return None
