"""Signed records: the signature, addenda, and the digest that proves a record unaltered."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from .codec import to_plain

#: What is not covered by the digest: the status and the signature itself (set by
#: signing) and addenda (appended after signing, each with its own author and time).
UNSIGNED_FIELDS = ("status", "signature", "addenda")


@dataclass(frozen=True, slots=True)
class Signature:
    signer_username: str
    signer_name: str
    signer_role: str
    signer_registration: str
    signed_at: datetime
    digest: str


@dataclass(frozen=True, slots=True)
class Addendum:
    """A correction or note appended to a signed session; the original stays as it was."""

    author_username: str
    author_name: str
    created_at: datetime
    reason: str
    text: str


@dataclass(frozen=True, slots=True)
class Consent:
    """A consent given by the patient: `kind` is "treatment" or "photo"."""

    kind: str
    text_version: str
    consent_date: date
    witnessed_by: str
    recorded_by: str = ""
    id: int | None = None


def canonical_bytes(patient_number: str, session) -> bytes:
    """The session as canonical JSON (sorted keys, no spaces, UTF-8): the same record
    gives the same bytes on any machine and in any version that keeps the fields."""
    plain = to_plain(session)
    for name in UNSIGNED_FIELDS:
        plain.pop(name, None)
    document = {"patient_number": patient_number, "session": plain}
    return json.dumps(document, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def session_digest(patient_number: str, session) -> str:
    """SHA-256 of the canonical serialization, as 64 hex digits."""
    return hashlib.sha256(canonical_bytes(patient_number, session)).hexdigest()
