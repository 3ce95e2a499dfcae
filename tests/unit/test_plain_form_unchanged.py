"""The plain form of a record (`codec.to_plain`), the digest made of it and a session read
back from its row (`mapping.session_from_record`) stay exactly what the value-by-value
implementations gave: signatures made years ago must still verify, and exported documents
must read the same (README, "Compatibility promise").

The earlier implementations are kept here, frozen, as the reference the current ones are
compared with on generated records: every dataclass of the domain, with any text
(lone surrogates included), dates, times, enums, None, nested records, tuples and sets,
and values of a type other than the field's own.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import types
import typing
from datetime import date, datetime, time
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import practitioner_app.domain
from practitioner_app.domain.codec import DATABASE_FIELDS, to_plain
from practitioner_app.domain.enums import Bleeding, Concern, DeviceType, FacialZone
from practitioner_app.domain.ids import PatientId, SessionId
from practitioner_app.domain.screening import ScreenAnswer
from practitioner_app.domain.session import STEPS, Needling, TreatmentSession, ZoneTreatment
from practitioner_app.domain.signing import (
    Addendum,
    ImportProvenance,
    Signature,
    canonical_bytes,
    session_digest,
    signature_holds,
)
from practitioner_app.persistence.mapping import (
    session_from_record,
    session_to_record,
    signature_from_record,
)
from practitioner_app.persistence.models import SessionRecord
from tests.factories import a_full_session

# --- The reference: the implementations as they were, value by value ----------------------


def reference_to_plain(record: Any) -> Any:
    """codec.to_plain as it was before converters were worked out per type."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: reference_to_plain(getattr(record, f.name))
                for f in dataclasses.fields(record) if f.name not in DATABASE_FIELDS}
    if isinstance(record, Enum):
        return record.value
    if isinstance(record, frozenset | set):
        members = list(record)
        if members and isinstance(members[0], Enum):
            order = {member: index for index, member in enumerate(type(members[0]))}
            members.sort(key=order.__getitem__)
        return [reference_to_plain(m) for m in members]
    if isinstance(record, tuple | list):
        return [reference_to_plain(v) for v in record]
    if isinstance(record, date | time):
        return record.isoformat()
    return record


def reference_session_from_record(record) -> TreatmentSession:
    """mapping.session_from_record as it was before its readers were worked out once."""
    hints = typing.get_type_hints(TreatmentSession)
    zone_fields = [f.name for f in dataclasses.fields(ZoneTreatment)]
    screen_fields = [f.name for f in dataclasses.fields(ScreenAnswer)]
    steps = {}
    for step, _heading in STEPS:
        step_cls = hints[step]
        names = [f.name for f in dataclasses.fields(step_cls) if f.name != "zones"]
        kwargs = {n: getattr(record, f"{step}_{n}") for n in names}
        if step_cls is Needling:
            kwargs["zones"] = tuple(
                ZoneTreatment(**{n: getattr(z, n) for n in zone_fields}) for z in record.zones)
        steps[step] = step_cls(**kwargs)
    return TreatmentSession(
        id=SessionId(record.id), patient_id=PatientId(record.patient_id),
        version=record.version or 0, session_date=record.session_date,
        status=record.status, practitioner_name=record.practitioner_name,
        practitioner_role=record.practitioner_role, course_number=record.course_number,
        interval_override_reason=record.interval_override_reason,
        expired_lot_reason=record.expired_lot_reason,
        screen=tuple(ScreenAnswer(**{n: getattr(a, n) for n in screen_fields})
                     for a in record.screen),
        signature=signature_from_record(record),
        addenda=tuple(Addendum(a.author_username, a.author_name, a.created_at, a.reason,
                               a.text) for a in record.addenda),
        **steps)


def assert_identical(new: Any, old: Any, path: str = "$") -> None:
    """Equal and of the same types all the way down, dict keys in the same order (`==`
    alone takes True for 1 and 1 for 1.0, which JSON writes differently)."""
    assert type(new) is type(old), f"{path}: {type(new).__name__} != {type(old).__name__}"
    if isinstance(old, dict):
        assert list(new) == list(old), f"{path}: keys {list(new)} != {list(old)}"
        for key in old:
            assert_identical(new[key], old[key], f"{path}.{key}")
    elif isinstance(old, list | tuple):
        assert len(new) == len(old), f"{path}: {len(new)} items != {len(old)}"
        for i, (n, o) in enumerate(zip(new, old, strict=True)):
            assert_identical(n, o, f"{path}[{i}]")
    elif dataclasses.is_dataclass(old):
        assert_identical(reference_to_plain(new), reference_to_plain(old), path)
        assert new == old, path
    else:
        assert new == old or (new != new and old != old), f"{path}: {new!r} != {old!r}"


# --- Generated records ------------------------------------------------------------------

#: Any text, lone surrogates included (the codec passes text through as it is).
_TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
_ENUMS = [Bleeding, Concern, DeviceType, FacialZone]
#: Values of other types than a field's own: the plain form depends on the value only.
_STRAY = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), _TEXT, st.dates(), st.times(),
    st.datetimes(), *[st.sampled_from(e) for e in _ENUMS],
    st.frozensets(st.sampled_from(Concern), max_size=4),
    st.lists(st.integers() | _TEXT, max_size=3).map(tuple),
    st.dictionaries(_TEXT, st.integers(), max_size=2),
)


def _strategy(tp, stray: bool) -> st.SearchStrategy:
    """Values of type `tp`; with `stray`, now and then a value of another type."""
    typed = _typed(tp, stray)
    return (typed | _STRAY) if stray else typed


def _typed(tp, stray: bool) -> st.SearchStrategy:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*[st.none() if a is type(None) else _strategy(a, stray)
                           for a in typing.get_args(tp)])
    if origin is frozenset:  # members must be hashable: no stray lists or dicts in a set
        return st.frozensets(_typed(typing.get_args(tp)[0], stray=False), max_size=3)
    if origin is tuple:
        items = st.lists(_strategy(typing.get_args(tp)[0], stray), max_size=3)
        return items.map(tuple)
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return st.builds(tp, **{f.name: _strategy(hints[f.name], stray)
                                for f in dataclasses.fields(tp) if f.init})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from(tp)
    if typing.get_origin(tp) is dict or tp is dict:
        return st.dictionaries(_TEXT, st.integers(), max_size=2)
    if hasattr(tp, "__supertype__"):  # a NewType such as PatientId
        return _typed(tp.__supertype__, stray)
    return {bool: st.booleans(), int: st.integers(), float: st.floats(), str: _TEXT,
            date: st.dates(), time: st.times(), datetime: st.datetimes()}[tp]


def _domain_dataclasses() -> list[type]:
    """Every dataclass the domain declares whose fields this module can generate."""
    found = {}
    for info in pkgutil.iter_modules(practitioner_app.domain.__path__):
        module = importlib.import_module(f"practitioner_app.domain.{info.name}")
        for value in vars(module).values():
            if (dataclasses.is_dataclass(value) and isinstance(value, type)
                    and value.__module__ == module.__name__):
                try:
                    _strategy(value, stray=False)
                except (KeyError, TypeError, NameError):
                    continue  # a field of a type records do not hold (a callable...)
                found[value.__qualname__] = value
    return [found[name] for name in sorted(found)]


DOMAIN_DATACLASSES = _domain_dataclasses()


def test_the_domain_records_are_all_generated():
    names = {cls.__name__ for cls in DOMAIN_DATACLASSES}
    assert {"TreatmentSession", "Patient", "Course", "Consent", "Signature", "Addendum",
            "ScreenAnswer", "ZoneTreatment"} <= names


# --- Properties -------------------------------------------------------------------------

_SETTINGS = settings(max_examples=60, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("stray", [False, True], ids=["field types", "any type in a field"])
@pytest.mark.parametrize("cls", DOMAIN_DATACLASSES, ids=lambda c: c.__name__)
@_SETTINGS
@given(data=st.data())
def test_plain_form_of_any_domain_record_is_unchanged(cls, stray, data):
    record = data.draw(_strategy(cls, stray=stray))
    assert_identical(to_plain(record), reference_to_plain(record))


@_SETTINGS
@given(_STRAY | st.lists(_STRAY, max_size=3) | st.sets(st.sampled_from(FacialZone)))
def test_plain_form_of_any_bare_value_is_unchanged(value):
    assert_identical(to_plain(value), reference_to_plain(value))


_SIGNATURES = st.builds(
    Signature, _TEXT, _TEXT, _TEXT, _TEXT, st.datetimes(), st.just(""),
    st.sampled_from((1, 2)),
    st.none() | st.builds(ImportProvenance, _TEXT, st.datetimes(), _TEXT))


@_SETTINGS
@given(_strategy(TreatmentSession, stray=False), _TEXT, _SIGNATURES)
def test_digest_of_any_session_is_unchanged_under_every_rule(session, number, signature):
    old = reference_to_plain(session)
    for name in ("status", "signature", "addenda"):
        old.pop(name)
    if old["aftercare"]["next_appointment_time"] is None:
        old["aftercare"].pop("next_appointment_time")
    document = {"patient_number": number, "session": old}
    if signature.rule == 2:
        document["rule"] = 2
        document["signer"] = {
            "account": signature.signer_username, "name": signature.signer_name,
            "role": signature.signer_role, "registration": signature.signer_registration,
            "signed_at": signature.signed_at.isoformat()}
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    try:
        made = canonical_bytes(number, session, signature)
    except UnicodeEncodeError:  # a lone surrogate, which no UTF-8 holds: refused as before
        with pytest.raises(UnicodeEncodeError):
            text.encode("utf-8")
    else:
        assert made == text.encode("utf-8")


def test_plain_form_is_built_afresh_each_time():
    """Signing removes keys from the plain form: a shared dict would lose them."""
    session = a_full_session()
    first, second = to_plain(session), to_plain(session)
    assert first == second
    assert first is not second and first["aftercare"] is not second["aftercare"]
    assert first["needling"]["zones"] is not second["needling"]["zones"]


def test_signatures_made_before_stay_valid():
    """Digests of a fixed session as the value-by-value codec made them, under rule 1
    and rule 2: a change to the plain form would turn every past signature invalid."""
    session = a_full_session()
    signed_at = datetime(2024, 3, 1, 10, 30)
    rule_1 = Signature("jroe", "Dr Jane Roe", "Nurse", "NMC 12A3456", signed_at, "", 1)
    rule_2 = dataclasses.replace(rule_1, rule=2)
    assert session_digest("P000042", session, rule_1) == RULE_1_DIGEST
    assert session_digest("P000042", session, rule_2) == RULE_2_DIGEST
    signed = dataclasses.replace(session, signature=dataclasses.replace(
        rule_2, digest=RULE_2_DIGEST))
    assert signature_holds("P000042", signed)


#: Made with the codec as it was when rule 2 was current (see the test above).
RULE_1_DIGEST = "77a991da4385feb23daf09a60ad74815fac3723d0e9a0fcb7bacda3edf851f9d"
RULE_2_DIGEST = "d33adaa24c2e8a682f0aeead1b5a3c20494e041758274fad16119a194273a385"


# --- Reading a session back from its row --------------------------------------------------


@_SETTINGS
@given(_strategy(TreatmentSession, stray=False), st.integers(0, 10))
def test_session_read_from_its_row_is_unchanged(session, version):
    record = SessionRecord(id=7, patient_id=3, version=version)
    session_to_record(session, record, datetime(2026, 1, 1))
    record.signed_at = None if session.signature is None else session.signature.signed_at
    assert_identical(session_from_record(record), reference_session_from_record(record))


class _Shown(Enum):
    """An enum whose `value` is its own: the plain form uses it, as it always did."""

    A = 1
    B = 2

    @property
    def value(self):
        return f"shown {self._value_}"


def test_an_enum_that_defines_its_own_value_keeps_it():
    assert to_plain((_Shown.A, frozenset({_Shown.B, _Shown.A}))) == reference_to_plain(
        (_Shown.A, frozenset({_Shown.B, _Shown.A}))) == ["shown 1", ["shown 1", "shown 2"]]
