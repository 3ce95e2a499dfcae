"""An audit entry's hash stays exactly what the JSON encoder gave: entries written years
ago must still verify. The payload is now written out for the values every entry has;
the encoder's text is the reference, for any storable text (every script, escapes,
control characters), any id and either missing reference, and values of other types."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from practitioner_app.domain.audit import entry_hash

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def reference_hash(prev_hash, entry_id, at, username, action, patient_id, session_id,
                   details) -> str:
    payload = _ENCODER.encode([entry_id, at.isoformat(), username, action, patient_id,
                               session_id, details])
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


_ids = st.none() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80)


@settings(max_examples=400)
@given(entry_id=st.integers(min_value=1, max_value=2**63 - 1),
       at=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1)),
       username=_text, action=_text, patient_id=_ids, session_id=_ids, details=_text)
def test_the_hash_is_the_encoders(entry_id, at, username, action, patient_id, session_id,
                                  details):
    prev = "ab" * 32
    assert entry_hash(prev, entry_id, at, username, action, patient_id, session_id,
                      details) == reference_hash(prev, entry_id, at, username, action,
                                                 patient_id, session_id, details)


@given(odd=st.sampled_from([True, False, 1.5, "7", None]))
def test_values_of_other_types_are_hashed_as_the_encoder_writes_them(odd):
    at = datetime(2026, 12, 3, 9, 30, 0, 123456)
    prev = "0" * 64
    for args in ((odd, at, "u", "a", None, None, "{}"), (3, at, "u", "a", odd, None, "{}"),
                 (3, at, "u", "a", None, odd, "{}")):
        assert entry_hash(prev, *args) == reference_hash(prev, *args)
