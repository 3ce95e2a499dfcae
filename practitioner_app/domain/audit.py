"""The audit trail's vocabulary and its hash chain.

Each entry's hash covers its own fields and the previous entry's hash, so altering,
inserting or removing an entry breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
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
    BACKED_UP = "backed up"
    #: A file recorded as leaving the app (report, export, backup) could not be written;
    #: its details name the entry that recorded it.
    NOT_WRITTEN = "not written"
    COURSE_OPENED = "course opened"
    #: Completed, stopped early, or its plan changed; its details say which.
    COURSE_CHANGED = "course changed"
    COURSE_VOIDED = "course voided"
    #: Files or folders of the clinic that other users of the computer could read were
    #: made owner-only at start; its details name them.
    FILES_TIGHTENED = "file permissions tightened"
    #: The clinic's records were copied in from its SQLite file (the first entry after
    #: the copied trail); its details name the file and the rows copied per table.
    TRANSFERRED = "transferred from file"


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


#: The payload's encoder, built once: `json.dumps` with these options builds a new
#: encoder per call, a third of the cost of hashing an entry (the same text either way).
_PAYLOAD = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def entry_hash(prev_hash: str, entry_id: int, at: datetime, username: str, action: str,
               patient_id: int | None, session_id: int | None, details: str) -> str:
    if (type(entry_id) is int and type(username) is str and type(action) is str
            and type(details) is str and (patient_id is None or type(patient_id) is int)
            and (session_id is None or type(session_id) is int)):
        # The payload's JSON written out for the values every entry has (the same text
        # as the encoder's: integers as int's own text, strings by its own escaping);
        # the encoder's per-call set-up was half the cost of verifying the chain.
        payload = ("[" + int.__repr__(entry_id) + "," + encode_basestring(at.isoformat())
                   + "," + encode_basestring(username) + "," + encode_basestring(action)
                   + "," + ("null" if patient_id is None else int.__repr__(patient_id))
                   + "," + ("null" if session_id is None else int.__repr__(session_id))
                   + "," + encode_basestring(details) + "]")
    else:
        payload = _PAYLOAD([entry_id, at.isoformat(), username, action, patient_id,
                            session_id, details])
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def first_break(entries: Iterable[AuditEntry], last_issued_id: int) -> str | None:
    """A description of the first entry that does not hold, or None if the chain holds.

    `entries` (the whole chain, oldest first) are read one at a time, so a generator
    reading them in batches keeps memory flat. `last_issued_id` is the highest id ever
    issued (SQLite's AUTOINCREMENT counter), so a removal at the end is found too.
    """
    from .audit_walk import ChainWalk  # here: that module builds on this one

    walk = ChainWalk()
    walk.feed(entries)
    return walk.finish(last_issued_id)


# --- anchors -------------------------------------------------------------------------------

#: How an anchor is written on the command line, for messages that name it.
ANCHOR_FORM = "ID:HASH (an entry number, a colon and its 64-character hash) or HASH alone"
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Anchor:
    """An entry's number and hash, kept away from the computer (printed, or on another
    device). While the chain still holds that entry with that hash and verifies, nothing
    up to it was altered, removed or rewritten since the anchor was taken: rewriting the
    chain changes every hash after the first changed entry, and cutting it short removes
    the anchored entry. `entry_id` is None when only the hash was kept."""

    entry_id: int | None
    hash: str

    def __str__(self) -> str:
        return self.hash if self.entry_id is None else f"{self.entry_id}:{self.hash}"


def parse_anchor(text: str) -> Anchor:
    """The anchor written as `ID:HASH` or `HASH` (spaces, as copied from a printed sheet,
    and capitals are ignored). Raises ValueError saying what is wrong."""
    compact = "".join(text.split()).lower()
    number, colon, digest = compact.rpartition(":")
    if colon and not (number.isdigit() and int(number) >= 1):
        raise ValueError(f"the entry number before ':' must be a whole number from 1; "
                         f"got {number!r}")
    if not _HASH.fullmatch(digest):
        raise ValueError(f"the hash must be 64 hexadecimal characters (0-9, a-f); got "
                         f"{len(digest)} character(s) {digest[:70]!r}")
    return Anchor(int(number) if colon else None, digest)


def anchor_problem(entries: list[AuditEntry], anchor: Anchor) -> str | None:
    """None when `entries` (the whole chain, oldest first) still hold `anchor`, else
    what became of it, described for a person."""
    if anchor.entry_id is None:
        if any(e.hash == anchor.hash for e in entries):
            return None
        return (f"no entry has the anchored hash {anchor.hash}: the audit trail was cut "
                "short or rewritten after the anchor was taken")
    found = next((e for e in entries if e.id == anchor.entry_id), None)
    if found is None:
        newest = entries[-1].id if entries else 0
        if newest < anchor.entry_id:
            return (f"the anchored entry {anchor.entry_id} is gone and the audit trail "
                    f"now ends at entry {newest}: it was cut short after the anchor was "
                    "taken")
        return f"the anchored entry {anchor.entry_id} is missing"
    if found.hash != anchor.hash:
        return (f"entry {anchor.entry_id} no longer has the anchored hash (it has "
                f"{found.hash}): the audit trail was rewritten after the anchor was taken")
    return None


@dataclass(frozen=True, slots=True)
class AuditAnchor:
    """What an anchor sheet says: the newest entry when it was taken, whose clinic and
    database it belongs to, and the command that checks it later."""

    anchor: Anchor
    recorded_at: datetime
    recorded_by: str
    action: str
    clinic: str
    database: str
    taken_at: datetime
    check_command: str

    def text(self) -> str:
        """The sheet as plain text (the anchor file, the window's copy)."""
        return "\n".join((
            "AUDIT ANCHOR",
            f"Clinic: {self.clinic or '(clinic name not set)'}",
            f"Database: {self.database}",
            f"Taken: {self.taken_at:%Y-%m-%d %H:%M:%S}",
            "",
            f"Newest audit entry: {self.anchor.entry_id}",
            f"Recorded: {self.recorded_at:%Y-%m-%d %H:%M:%S} by {self.recorded_by} "
            f"({self.action})",
            f"Hash: {self.anchor.hash}",
            "",
            "Keep this away from the computer (printed, or on another device). To check",
            "later that the audit trail still holds this entry unchanged, run:",
            f"  {self.check_command}",
            "It exits 0 when the trail holds. Any other answer means the audit trail was",
            "altered, cut short or rewritten after this anchor was taken.",
            "",
        ))
