"""Record dataclasses to plain JSON values and back.

`to_plain` is deterministic (field order, enum-declaration order for sets), so the same
record always gives the same document. `from_plain` never raises on bad input: it returns
the record or every problem found, each with the JSON path of the offending value.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime, time
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from .errors import Problem

T = TypeVar("T")

#: Fields that are database bookkeeping, not part of the record.
DATABASE_FIELDS = frozenset({"id", "patient_id"})


def to_plain(record: Any) -> Any:
    """`record` as JSON-ready values: dicts, lists, str, int, float, bool, None."""
    if dataclasses.is_dataclass(record):
        return {
            f.name: to_plain(getattr(record, f.name))
            for f in dataclasses.fields(record)
            if f.name not in DATABASE_FIELDS
        }
    if isinstance(record, Enum):
        return record.value
    if isinstance(record, frozenset | set):
        members = list(record)
        if members and isinstance(members[0], Enum):
            order = list(type(members[0]))
            members.sort(key=order.index)
        return [to_plain(m) for m in members]
    if isinstance(record, tuple | list):
        return [to_plain(v) for v in record]
    if isinstance(record, date | time):
        return record.isoformat()
    return record


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(cls: type[T], data: Any, path: str = "$") -> tuple[T | None, list[Problem]]:
    """Build a `cls` from `data`; on any problem return (None, problems)."""
    problems: list[Problem] = []
    value = _decode(cls, data, path, problems)
    return (None if problems else value), problems


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
        except ValueError:
            allowed = ", ".join(str(m.value) for m in tp)
            problems.append(Problem(path, f"must be one of: {allowed}; got {data!r}."))
            return None
    if tp is bool:
        if not isinstance(data, bool):
            problems.append(Problem(path, f"must be true or false; got {data!r}."))
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            problems.append(Problem(path, f"must be a whole number; got {data!r}."))
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            problems.append(Problem(path, f"must be a number; got {data!r}."))
            return data
        return float(data)
    if tp is str:
        if not isinstance(data, str):
            problems.append(Problem(path, f"must be text; got {data!r}."))
        return data
    if tp in (date, time, datetime):
        example = {date: "YYYY-MM-DD", time: "HH:MM:SS", datetime: "YYYY-MM-DDTHH:MM:SS"}[tp]
        try:
            value = tp.fromisoformat(data)
            if tp is date and isinstance(value, datetime):
                raise ValueError  # a date field given a timestamp
            return value
        except (TypeError, ValueError):
            problems.append(Problem(path, f"must be a {tp.__name__} as {example}; got {data!r}."))
            return None
    raise TypeError(f"no decoder for {tp!r}")  # a programming error, not bad input


def _decode_dataclass(cls: type, data: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(data, dict):
        problems.append(Problem(path, "must be an object."))
        return None
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in DATABASE_FIELDS}
    for key in data:
        if key not in fields:
            problems.append(Problem(f"{path}.{key}", "is not a known field."))
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
