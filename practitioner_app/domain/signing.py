"""Signed records: the signature, addenda, and the digest that proves a record unaltered.

The digest follows a numbered rule, stored with each signature, so a signature made under
an older rule stays verifiable:

- rule 1 (signatures made before rule 2): SHA-256 of the patient number and the session.
- rule 2: the same, plus the rule number and the signer (account, name, role,
  registration) and the time of signing, so none of them can be changed afterwards.

Each signature, addendum and consent is also recorded by an audit entry whose details
hold its digest or content hash (`signature_details`, `addendum_hash`, `consent_hash`):
the audit chain protects those details and `check` compares the rows with them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from .codec import to_plain

#: What is not covered by the digest: the status and the signature itself (set by
#: signing) and addenda (appended after signing, each with its own author and time).
UNSIGNED_FIELDS = ("status", "signature", "addenda")

#: Digest rules this version can verify, and the one new signatures use.
DIGEST_RULES = (1, 2)
CURRENT_RULE = 2


@dataclass(frozen=True, slots=True)
class ImportProvenance:
    """Where an imported signature came from: it was made in another database, and an
    administrator of this one brought it in."""

    source: str
    imported_at: datetime
    imported_by: str


@dataclass(frozen=True, slots=True)
class Signature:
    signer_username: str
    signer_name: str
    signer_role: str
    signer_registration: str
    signed_at: datetime
    digest: str
    #: The digest rule the digest was made with (1 for signatures older than rule 2).
    rule: int = 1
    #: Set on a signature imported from another database; not part of the signature
    #: itself (equal signatures compare equal wherever they are kept).
    imported: ImportProvenance | None = field(default=None, compare=False)


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


def _canonical(document) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def canonical_bytes(patient_number: str, session, signature: Signature | None = None) -> bytes:
    """The session as canonical JSON (sorted keys, no spaces, UTF-8) under the digest rule
    of `signature` (rule 1 when None): the same record gives the same bytes on any
    machine and in any version that keeps the fields. Raises ValueError for a rule this
    version does not know."""
    plain = to_plain(session)
    for name in UNSIGNED_FIELDS:
        plain.pop(name, None)
    # The next appointment time came after sessions were first signed: left out when
    # None so that the digest of every session signed before it stays the same.
    aftercare = plain.get("aftercare")
    if isinstance(aftercare, dict) and aftercare.get("next_appointment_time") is None:
        aftercare.pop("next_appointment_time", None)
    document = {"patient_number": patient_number, "session": plain}
    rule = 1 if signature is None else signature.rule
    if rule == 2:
        document["rule"] = 2
        document["signer"] = {
            "account": signature.signer_username, "name": signature.signer_name,
            "role": signature.signer_role, "registration": signature.signer_registration,
            "signed_at": signature.signed_at.isoformat(),
        }
    elif rule != 1:
        raise ValueError(f"unknown digest rule {rule!r}")
    return _canonical(document)


def session_digest(patient_number: str, session, signature: Signature | None = None) -> str:
    """SHA-256 of the canonical serialization (rule of `signature`), as 64 hex digits."""
    return hashlib.sha256(canonical_bytes(patient_number, session, signature)).hexdigest()


def make_signature(patient_number: str, session, *, username: str, name: str, role: str,
                   registration: str, signed_at: datetime) -> Signature:
    """A new signature of `session` under the current rule (signer and time covered)."""
    unsigned = Signature(username, name, role, registration, signed_at, "", CURRENT_RULE)
    return replace(unsigned, digest=session_digest(patient_number, session, unsigned))


def signature_holds(patient_number: str, session) -> bool:
    """True when `session` is signed and its digest matches under its own rule."""
    signature = session.signature
    if signature is None or signature.rule not in DIGEST_RULES:
        return False
    return session_digest(patient_number, session, signature) == signature.digest


def signature_details(signature: Signature) -> dict:
    """What the audit entry recording a signature holds, for `check` to compare."""
    details = {"digest": signature.digest, "rule": signature.rule,
               "signer": signature.signer_username}
    if signature.imported is not None:
        details["imported"] = {"source": signature.imported.source,
                               "at": signature.imported.imported_at.isoformat(),
                               "by": signature.imported.imported_by}
    return details


def _hash(kind: str, values: dict) -> str:
    plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    return hashlib.sha256(_canonical({"kind": kind, **plain})).hexdigest()


def addendum_hash(session_id: int, addendum: Addendum) -> str:
    """SHA-256 of an addendum as stored (its session, author, time, reason and text)."""
    return _hash("addendum", {
        "session_id": session_id, "author_username": addendum.author_username,
        "author_name": addendum.author_name, "created_at": addendum.created_at,
        "reason": addendum.reason, "text": addendum.text})


def consent_hash(patient_id: int, consent: Consent, recorded_at: datetime) -> str:
    """SHA-256 of a consent as stored (its patient, kind, text version, date, witness,
    who recorded it and when)."""
    return _hash("consent", {
        "patient_id": patient_id, "kind": consent.kind, "text_version": consent.text_version,
        "consent_date": consent.consent_date, "witnessed_by": consent.witnessed_by,
        "recorded_by": consent.recorded_by, "recorded_at": recorded_at})
