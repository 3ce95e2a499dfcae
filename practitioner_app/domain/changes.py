"""What one saved change touched, said once to every view that may show it.

A `Changes` value names the records a commit wrote: patients, sessions, courses,
consents (sets of database ids) and clinic settings (their keys). `patients` holds every
patient any of whose records changed, not only their details: a saved session names the
session and its patient, so a view about one patient needs to look at one set.
`everything` says "anything may have changed; read it all again": bulk writes that bypass
the ORM (the demo, a restore), a notice too large to list, or a connection to the server
that was lost, during which other workstations' notices were missed.

Standard library only: the windows receive it, the persistence layer makes it, and it
travels between workstations as compact JSON (`to_json` / `from_json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

#: Setting keys for what is kept in its own table rather than as a clinic setting.
SCREEN_RULES = "screen.rules"
ZONE_GUIDANCE = "zone.guidance"

#: PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; a notice larger than this
#: says "everything" instead of listing ids (room is left for the sender's token).
JSON_LIMIT = 7000

_FIELDS = (("patients", "p"), ("sessions", "s"), ("courses", "c"), ("consents", "n"))


@dataclass(frozen=True, slots=True)
class Changes:
    patients: frozenset[int] = frozenset()
    sessions: frozenset[int] = frozenset()
    courses: frozenset[int] = frozenset()
    consents: frozenset[int] = frozenset()
    settings: frozenset[str] = frozenset()
    everything: bool = False

    @classmethod
    def of(cls, *, patients=(), sessions=(), courses=(), consents=(), settings=(),
           everything: bool = False) -> Changes:
        """A value from any iterables (ids as ints, setting keys as text)."""
        return cls(frozenset(int(i) for i in patients), frozenset(int(i) for i in sessions),
                   frozenset(int(i) for i in courses), frozenset(int(i) for i in consents),
                   frozenset(str(k) for k in settings), bool(everything))

    @classmethod
    def all(cls) -> Changes:
        """Anything may have changed."""
        return cls(everything=True)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.patients or self.sessions or self.courses
                    or self.consents or self.settings)

    def __bool__(self) -> bool:
        return not self.is_empty

    def merge(self, other: Changes) -> Changes:
        """What this and `other` changed together. Merging anything into "everything"
        stays "everything" (its ids are dropped: they say nothing more)."""
        if self.everything or other.everything:
            return Changes.all()
        return Changes(self.patients | other.patients, self.sessions | other.sessions,
                       self.courses | other.courses, self.consents | other.consents,
                       self.settings | other.settings)

    def touches_patient(self, patient_id: int) -> bool:
        """Whether this patient's record (details, sessions, courses, consents) may have
        changed."""
        return self.everything or patient_id in self.patients

    def touches_setting(self, key: str) -> bool:
        return self.everything or key in self.settings

    # -- between workstations ---------------------------------------------------------------
    def to_json(self, limit: int = JSON_LIMIT) -> str:
        """Compact JSON (`{"p":[1,2],"s":[7]}`; `{"a":1}` for everything). Beyond `limit`
        bytes it says "everything": a notice must fit in one NOTIFY."""
        if self.everything:
            return '{"a":1}'
        data: dict[str, list] = {}
        for name, short in _FIELDS:
            ids = getattr(self, name)
            if ids:
                data[short] = sorted(ids)
        if self.settings:
            data["k"] = sorted(self.settings)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
        return text if len(text) <= limit else '{"a":1}'

    @classmethod
    def from_json(cls, text: str) -> Changes:
        """The value `to_json` wrote. Text it cannot read (another version's, or damaged)
        is taken as "everything": reading too much again is safe, missing a change is not."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("a"):
                return cls.all()
            return cls.of(**{name: data.get(short, ()) for name, short in _FIELDS},
                          settings=data.get("k", ()))
        except (ValueError, TypeError):
            return cls.all()


class ConnectionState(str, Enum):
    """How a workstation hears of other workstations' changes.

    LOCAL: an SQLite file, which one copy of the app holds, so nothing is heard from
    elsewhere; CONNECTED: listening to the clinic server; LOST: the server cannot be
    reached, retrying; BACK: reconnected after LOST (what was missed meanwhile is
    announced as "everything")."""

    LOCAL = "local"
    CONNECTED = "connected"
    LOST = "lost"
    BACK = "back"
