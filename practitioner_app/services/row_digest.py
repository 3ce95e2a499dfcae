"""A signed session's canonical bytes written straight from its stored rows: how `check`
confirms most digests without building each session.

`signing.canonical_bytes` builds the session record (`mapping.session_from_record`), its
plain form (`codec.to_plain`) and then the JSON: for every signed session of a clinic that
was most of `check`'s time. `RowDigest` writes the very same JSON from the row's values,
converted as the app converts them when it reads a session (each column's SQLAlchemy
conversion, then `to_plain`'s), keys in sorted order, by a function written out once for
the app's tables (as `codec` writes its converters).

It only ever confirms: a session whose bytes from here give its stored digest is sound,
and any other is read the app's own way, whose verdict alone is reported. The bytes are
the same as `canonical_bytes` gives for every signed session (tests compare them on a
generated clinic, on both backends, and on sessions of any content); where they were not,
a sound session would merely be read twice, never a tampered one passed, because bytes
that give the stored digest are the bytes that were signed.
"""

from __future__ import annotations

import hashlib
import json
import math
import typing
from collections.abc import Callable, Sequence
from functools import lru_cache
from json.encoder import encode_basestring
from operator import itemgetter

from ..domain.codec import _plain_fields, to_plain
from ..domain.screening import ScreenAnswer
from ..domain.session import STEPS, Needling, TreatmentSession, ZoneTreatment
from ..domain.signing import DIGEST_RULES, UNSIGNED_FIELDS

#: The canonical document's encoder (signing._canonical's options), for values other than
#: text, integers, truth values and finite floats.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False,
                              separators=(",", ":")).encode

#: Converted values remembered per column: enums, days and times repeat.
_REMEMBERED = 1024


def leaf(value) -> str:
    """`value` (as the app reads it) as it appears in the canonical JSON."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    return _CANONICAL(to_plain(value))


def _column_leaf(processor: Callable | None) -> Callable:
    """A column's stored value → its canonical JSON, through the column's conversion."""
    if processor is None:
        return leaf

    @lru_cache(maxsize=_REMEMBERED)
    def convert(raw) -> str:
        return "null" if raw is None else leaf(processor(raw))

    return convert


class RowDigest:
    """Canonical bytes and digests of signed sessions from rows laid out as `columns`
    (session), `zone_columns` and `screen_columns` name them, each value as stored, with
    `processors[name]` the conversion of that column (None: none)."""

    def __init__(self, columns: Sequence[str], zone_columns: Sequence[str],
                 screen_columns: Sequence[str], processors: dict[str, Callable | None],
                 zone_processors: dict[str, Callable | None],
                 screen_processors: dict[str, Callable | None]) -> None:
        self._position = {name: i for i, name in enumerate(columns)}
        zone_at = {name: i for i, name in enumerate(zone_columns)}
        screen_at = {name: i for i, name in enumerate(screen_columns)}
        self._session_json = _write("session_json", _session_parts(), self._position,
                                    processors)
        self._zones_json = _list_writer("zone_json", _record_parts(ZoneTreatment), zone_at,
                                        zone_processors)
        self._screen_json = _list_writer("screen_json", _record_parts(ScreenAnswer),
                                         screen_at, screen_processors)
        self._signed_at = processors.get("signed_at") or (lambda raw: raw)

    def canonical_bytes(self, number: str, row: Sequence, zones: Sequence[Sequence],
                        screen: Sequence[Sequence]) -> bytes | None:
        """What `signing.canonical_bytes` gives for the session these rows hold, under its
        stored rule; None when the rule is not one this version knows."""
        at = self._position
        rule = row[at["digest_rule"]] or 1
        session = self._session_json(row, self._zones_json(zones), self._screen_json(screen))
        text = '{"patient_number":' + leaf(number)
        if rule == 2:
            signer = ('{"account":' + leaf(row[at["signer_username"]] or "")
                      + ',"name":' + leaf(row[at["signer_name"]] or "")
                      + ',"registration":' + leaf(row[at["signer_registration"]] or "")
                      + ',"role":' + leaf(row[at["signer_role"]] or "")
                      + ',"signed_at":'
                      + leaf(self._signed_at(row[at["signed_at"]]).isoformat()) + "}")
            text += ',"rule":2,"session":' + session + ',"signer":' + signer + "}"
        elif rule == 1:
            text += ',"session":' + session + "}"
        else:
            return None
        return text.encode("utf-8")

    def holds(self, number: str, row: Sequence, zones: Sequence[Sequence],
              screen: Sequence[Sequence]) -> bool:
        """Whether these rows give the session's stored digest under a known rule. False
        says only "not confirmed here": the caller reads the session the app's way."""
        at = self._position
        if (row[at["digest_rule"]] or 1) not in DIGEST_RULES:
            return False
        try:
            data = self.canonical_bytes(number, row, zones, screen)
        except (ValueError, TypeError, AttributeError):  # a value the app could not read
            return False
        return data is not None and (
            hashlib.sha256(data).hexdigest() == (row[at["digest"]] or ""))


# -- the written-out functions -----------------------------------------------------------------

#: A part of an object: (key, column name) for a value, (key, Part list) for a nested
#: object, (key, "zones"/"screen") for a list passed in, and whether the key is left out
#: when the value is None.
_Part = tuple


def _record_parts(cls: type, prefix: str = "") -> list[_Part]:
    return [(name, ("column", prefix + name), False)
            for name in sorted(_plain_fields(cls)) if name != "zones"] + (
        [("zones", ("list", "zones"), False)] if cls is Needling else [])


def _session_parts() -> list[_Part]:
    steps = dict(STEPS)
    parts = []
    for name in _plain_fields(TreatmentSession):
        if name in UNSIGNED_FIELDS:
            continue
        if name in steps:
            inner = sorted(_record_parts(_STEP_CLASSES[name], f"{name}_"))
            if name == "aftercare":
                # Left out when None, as signing.canonical_bytes leaves it (the time came
                # after sessions were first signed).
                inner = [(k, v, k == "next_appointment_time") for k, v, _o in inner]
            parts.append((name, ("object", inner), False))
        elif name == "screen":
            parts.append((name, ("list", "screen"), False))
        else:
            parts.append((name, ("column", name), False))
    return sorted(parts)


#: Each step's record class, as the session declares it.
_STEP_CLASSES = {step: typing.get_type_hints(TreatmentSession)[step] for step, _ in STEPS}


#: Child rows' JSON remembered by their values: screen answers and zones repeat from
#: session to session (the same questions, mostly the same answers). Bounded so that
#: memory stays the same whatever the clinic: a whole screen's text is about 3 kB.
_REMEMBERED_ROWS = 1024
_REMEMBERED_ARRAYS = 256


def _list_writer(function: str, parts: list[_Part], columns: dict[str, int],
                 processors: dict[str, Callable | None]) -> Callable:
    """A function of a session's child rows giving their JSON array: `_write`'s function
    for each row, given only the values its JSON holds (not the row's id, session and
    position), each row's text and the whole array's remembered by those values."""
    used = sorted({columns[what] for _key, (kind, what), _o in parts if kind == "column"})
    pick = itemgetter(*used)
    one = lru_cache(maxsize=_REMEMBERED_ROWS)(_write(
        function, parts, {name: used.index(i) for name, i in columns.items() if i in used},
        {name: processors.get(name) for name in columns}))

    @lru_cache(maxsize=_REMEMBERED_ARRAYS)
    def array(values: tuple) -> str:
        return "[" + ",".join(map(one, values)) + "]"

    return lambda rows: array(tuple(map(pick, rows)))


def _write(function: str, parts: list[_Part], columns: dict[str, int],
           processors: dict[str, Callable | None]):
    """A function of (row[, zones, screen]) giving the object's JSON, written out: for
    parts a (text) and b (a date), `''.join(('{"a":', (enc(v) if type(v := r[3]) is str
    else leaf(v)), ',"b":', c4(r[4]), '}'))`. Column names and JSON keys are the app's own
    identifiers, so the text is safe. A part naming a column `columns` lacks raises
    KeyError: the tables and the records must agree."""
    namespace: dict = {"enc": encode_basestring, "leaf": leaf}
    is_session = function == "session_json"

    def column_value(name: str) -> str:
        processor = processors.get(name)
        index = columns[name]
        if processor is None:
            return f"(enc(v) if type(v := r[{index}]) is str else leaf(v))"
        namespace[f"c{index}"] = _column_leaf(processor)
        return f"c{index}(r[{index}])"

    def obj(object_parts: list[_Part]) -> list[tuple[bool, str]]:
        """The object's pieces in order: (True, literal text) or (False, expression)."""
        pieces = [(True, "{")]
        for number, (key, (kind, what), optional) in enumerate(object_parts):
            head = ("" if number == 0 else ",") + json.dumps(key) + ":"
            if kind == "column" and optional:
                if number == 0:
                    raise ValueError("an optional key cannot come first")
                pieces.append((False, f"('' if r[{columns[what]}] is None else "
                                      f"{head!r} + {column_value(what)})"))
                continue
            pieces.append((True, head))
            if kind == "column":
                pieces.append((False, column_value(what)))
            elif kind == "object":
                pieces += obj(what)
            else:
                pieces.append((False, what))
        pieces.append((True, "}"))
        return pieces

    def joined(pieces: list[tuple[bool, str]]) -> str:
        # One join of the pieces (adding them up copies the growing text at each of a
        # session's two hundred); neighbouring literal texts made one.
        merged: list[tuple[bool, str]] = []
        for literal, text in pieces:
            if literal and merged and merged[-1][0]:
                merged[-1] = (True, merged[-1][1] + text)
            else:
                merged.append((literal, text))
        return "''.join((" + ", ".join(repr(t) if lit else t for lit, t in merged) + ",))"

    arguments = "r, zones, screen" if is_session else "r"
    source = f"def {function}({arguments}):\n    return {joined(obj(parts))}\n"
    exec(source, namespace)  # noqa: S102 - written from the app's own field names
    return namespace[function]
