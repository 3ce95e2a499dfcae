"""The patient: kept once, re-confirmed at each visit."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from .enums import Concern, Fitzpatrick, Sex
from .guidance import NAME_MAX
from .ids import PatientId


@dataclass(frozen=True, slots=True)
class Patient:
    """Everything the clinic keeps about one patient.

    `number` is the clinic-visible patient number printed on paper; `id` is the database's
    and never leaves the machine except as a reference.
    """

    number: str
    full_name: str
    date_of_birth: date
    sex: Sex
    fitzpatrick: Fitzpatrick
    phone: str = ""
    email: str = ""
    address: str = ""
    concerns: frozenset[Concern] = frozenset()
    concerns_other: str = ""
    medical_history: str = ""
    medications: str = ""
    allergies: str = ""
    goals: str = ""
    assessment: str = ""
    plan: str = ""
    #: Archived patients are hidden from the default list, never erased.
    archived_at: datetime | None = None
    archive_reason: str = ""
    id: PatientId | None = field(default=None, compare=False)
    #: The stored row's version when this was read (0: never stored): a save is refused
    #: when the row has moved on since, so nobody overwrites a change they have not seen.
    version: int = field(default=0, compare=False, repr=False)

    def age_on(self, day: date) -> int:
        """Completed years of age on `day`."""
        before_birthday = (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - int(before_birthday)


def search_key(text: str) -> str:
    """Fold `text` for search: case-insensitive and accent-insensitive in any script.

    "Łukasz Nowak" and "lukasz nowak" fold alike, as do "Ἀλέξανδρος" and "αλεξανδρος".
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Letters with strokes do not decompose; fold the common ones by hand.
    return stripped.translate(_STROKES)


_STROKES = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ß": "ss"})

#: Longest search text, in characters: as long as the longest name, and far inside what
#: the database takes in one search (SQLite: LIKE patterns of 50,000 bytes, about 990
#: words). The search box holds no more; the command line refuses more with a message.
SEARCH_MAX = NAME_MAX


def search_too_long(query: str) -> str | None:
    """Why `query` cannot be searched for (too long), or None when it can."""
    if len(query) <= SEARCH_MAX:
        return None
    return (f"A search may hold at most {SEARCH_MAX} characters (a name is at most "
            f"{SEARCH_MAX}); this one has {len(query):,}.")


@dataclass(frozen=True, slots=True)
class PatientRow:
    """What the patient list shows: one row, read without loading the whole patient."""

    id: PatientId
    number: str
    full_name: str
    date_of_birth: date
    fitzpatrick: Fitzpatrick
    last_session: date | None
    archived: bool = False
