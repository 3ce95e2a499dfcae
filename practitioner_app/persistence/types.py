"""Column types that store domain values in their stable text form."""

from __future__ import annotations

from enum import Enum

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class EnumText(TypeDecorator):
    """A domain enum stored as its value, so the database reads the same as exports."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[Enum]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum_cls(value)


class EnumSetText(TypeDecorator):
    """A set of enum members stored as comma-separated values in declaration order."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[Enum]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value, dialect):
        if value is None:
            return ""
        return ",".join(m.value for m in self.enum_cls if m in value)

    def process_result_value(self, value, dialect):
        return frozenset(self.enum_cls(v) for v in value.split(",") if v)
