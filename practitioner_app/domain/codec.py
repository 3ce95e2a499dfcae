"""Record dataclasses to plain JSON values and back.

`to_plain` is deterministic (field order, enum-declaration order for sets), so the same
record always gives the same document. `from_plain` never raises on bad input: it returns
the record or every problem found, each with the JSON path of the offending value. Text
must be storable (no lone surrogates), a number must fit a float where one is wanted, and
a JSON number too large to read (`UnreadableNumber`) is named at its path.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from datetime import date, datetime, time
from enum import Enum
from functools import cache
from operator import attrgetter, methodcaller
from typing import Any, TypeVar

from .errors import Problem

T = TypeVar("T")

#: Fields that are database bookkeeping, not part of the record: the row's ids, and the
#: version that tells whether the row changed since it was read.
DATABASE_FIELDS = frozenset({"id", "patient_id", "version"})
#: Longest value quoted back in a message; the rest is elided.
_SHOWN_MAX = 60


@dataclasses.dataclass(frozen=True, slots=True)
class UnreadableNumber:
    """A number in a document that cannot be read as one: more digits than Python converts
    (4,300), or beyond the largest float (about 1.8e308), or NaN/Infinity, which JSON does
    not have. The parser puts it where the number was, so the codec names its path."""

    text: str

    def __repr__(self) -> str:
        if len(self.text) > _SHOWN_MAX:
            return f"a number of {len(self.text):,} characters"
        return self.text


@cache
def _plain_fields(cls: type) -> tuple[str, ...]:
    # Asked once per class: signing every session of a large clinic (the demo, an import)
    # spent most of its time in dataclasses.fields().
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in DATABASE_FIELDS)


@cache
def _enum_order(cls: type[Enum]) -> dict[Enum, int]:
    return {member: index for index, member in enumerate(cls)}


#: Types `to_plain` returns as they are; checked first because they are most values.
_ATOMS = frozenset({str, int, float, bool, type(None)})


def to_plain(record: Any) -> Any:
    """`record` as JSON-ready values: dicts, lists, str, int, float, bool, None.

    A dataclass becomes a dict of its fields in declaration order (database bookkeeping
    left out), an enum its value, a date or time its ISO text, a tuple or list a list, a
    set a list (enums in declaration order); anything else is returned as it is. The
    result is always freshly built, so a caller may change it.

    How a value converts depends on its type alone, so the way is worked out once per
    type (`_converter`) instead of testing each value: the same output as testing each
    value, several times faster on the ~250 values of a session (`check` converts every
    signed session of the clinic).
    """
    kind = type(record)
    if kind in _ATOMS:
        return record
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _CONVERTERS[kind] = _converter(kind)
    return convert(record)


#: The converter of each type met; types are few (the domain's classes, enums, dates).
#: Filled on first use: two threads meeting a type at once both store the same converter.
_CONVERTERS: dict[type, Any] = {}


def _converter(kind: type):
    """The conversion of `to_plain` for a value of type `kind`, tested in the order the
    value-by-value walk tested it (a dataclass first, then an enum...)."""
    if dataclasses.is_dataclass(kind) and not issubclass(kind, type):
        return _dataclass_converter(kind)
    if issubclass(kind, Enum):
        # Enum's own `value` is a Python property returning `_value_`: reading `_value_`
        # gives the same, without the call (a session has a dozen enums). A class that
        # defines its own `value` keeps it.
        own = next(vars(c)["value"] for c in kind.__mro__ if "value" in vars(c))
        return attrgetter("_value_" if own is vars(Enum)["value"] else "value")
    if issubclass(kind, frozenset | set):
        return _set_to_plain
    if issubclass(kind, tuple | list):
        return _list_to_plain
    if issubclass(kind, date | time):  # a datetime too: it is a date
        return methodcaller("isoformat")
    return _same


def _same(value: Any) -> Any:
    return value


def _list_to_plain(values) -> list:
    return [v if type(v) in _ATOMS else to_plain(v) for v in values]


def _set_to_plain(values) -> list:
    members = list(values)
    if members and isinstance(members[0], Enum):
        members.sort(key=_enum_order(type(members[0])).__getitem__)
    return _list_to_plain(members)


def _dataclass_converter(cls: type):
    """A function giving the dict of `cls`'s fields, written out for the class: for
    fields `a` and `b`, `{'a': v if type(v := record.a) in atoms else to_plain(v), 'b':
    ...}`. Written out (as `dataclasses` writes a class's __init__) because a loop over
    the field names costs a third more for the same dict, once per record `check` reads.
    Field names are identifiers (dataclasses refuses any other), so the text is safe."""
    items = "".join(f"\n        {name!r}: v if type(v := record.{name}) in atoms "
                    "else to_plain(v)," for name in _plain_fields(cls))
    source = f"def convert(record):\n    return {{{items}\n    }}\n"
    namespace = {"atoms": _ATOMS, "to_plain": to_plain}
    exec(source, namespace)
    convert = namespace["convert"]
    convert.__qualname__ = f"to_plain[{cls.__qualname__}]"
    return convert


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(cls: type[T], data: Any, path: str = "$") -> tuple[T | None, list[Problem]]:
    """Build a `cls` from `data`; on any problem return (None, problems)."""
    problems: list[Problem] = []
    value = _decode(cls, data, path, problems)
    return (None if problems else value), problems


def shown(value: Any) -> str:
    """`value` as quoted back in a message: its repr, cut short when long (a document may
    hold a megabyte where a number belongs)."""
    if isinstance(value, int) and value.bit_length() > 200:  # its repr: long, or refused
        return f"a whole number of about {int(value.bit_length() * math.log10(2)):,} digits"
    text = repr(value)
    if len(text) <= _SHOWN_MAX:
        return text
    return f"{text[:_SHOWN_MAX]}… ({len(text):,} characters)"


def _decode(tp: Any, data: Any, path: str, problems: list[Problem]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return _decode(args[0], data, path, problems)
    if dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data, path, problems)
    if origin in (tuple, frozenset):
        (item_type, *_) = typing.get_args(tp)
        if not isinstance(data, list):
            problems.append(Problem(path, "must be a list."))
            return origin()
        items = [_decode(item_type, v, f"{path}[{i}]", problems) for i, v in enumerate(data)]
        return origin(items)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except (TypeError, ValueError):
            allowed = ", ".join(str(m.value) for m in tp)
            problems.append(Problem(path, f"must be one of: {allowed}; got {shown(data)}."))
            return None
    if tp is bool:
        if not isinstance(data, bool):
            problems.append(Problem(path, f"must be true or false; got {shown(data)}."))
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            problems.append(Problem(path, f"must be a whole number; got {shown(data)}."))
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            problems.append(Problem(path, f"must be a number; got {shown(data)}."))
            return data
        try:
            return float(data)
        except OverflowError:  # a whole number beyond the largest float
            problems.append(Problem(path, "must be a number of at most 1.8e308; got "
                                          f"{shown(data)}."))
            return None
    if tp is str:
        if not isinstance(data, str):
            problems.append(Problem(path, f"must be text; got {shown(data)}."))
        elif (bad := _lone_surrogate(data)) is not None:
            problems.append(Problem(path, f"must be text; character {bad + 1:,} is "
                                          f"{data[bad]!r}, half of a UTF-16 pair, which "
                                          "is not a character."))
        return data
    if tp in (date, time, datetime):
        example = {date: "YYYY-MM-DD", time: "HH:MM:SS", datetime: "YYYY-MM-DDTHH:MM:SS"}[tp]
        try:
            value = tp.fromisoformat(data)
            if tp is date and isinstance(value, datetime):
                raise ValueError  # a date field given a timestamp
            return value
        except (TypeError, ValueError):
            problems.append(Problem(path, f"must be a {tp.__name__} as {example}; "
                                          f"got {shown(data)}."))
            return None
    raise TypeError(f"no decoder for {tp!r}")  # a programming error, not bad input


def _lone_surrogate(text: str) -> int | None:
    """Where `text` holds half of a UTF-16 surrogate pair (JSON's "\\ud800" alone), which
    no database or file can store as UTF-8; None when it holds none."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start
    return None


def _key_shown(key: str) -> str:
    """An unknown key as named in a path: printable whatever it holds, cut short."""
    text = key.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= _SHOWN_MAX else f"{text[:_SHOWN_MAX]}…"


def _decode_dataclass(cls: type, data: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(data, dict):
        problems.append(Problem(path, "must be an object."))
        return None
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in DATABASE_FIELDS}
    for key in data:
        if key not in fields:
            problems.append(Problem(f"{path}.{_key_shown(key)}", "is not a known field."))
    kwargs = {}
    before = len(problems)
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _decode(hints[name], data[name], f"{path}.{name}", problems)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            problems.append(Problem(f"{path}.{name}", "is required."))
    if len(problems) > before:
        return None
    return cls(**kwargs)
