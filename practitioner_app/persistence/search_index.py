"""The patient search's index on a file: every three-character piece of each folded key.

A search matches every word of the query anywhere in `patients.search_key`, as
`LIKE '%word%'` compares it. No B-tree can serve a match in the middle of a key, so on a
file an FTS5 table with the trigram tokenizer (SQLite 3.34 and later) holds each key, and
triggers keep it in step with `patients` in the same transaction as the write:

- `patient_search` holds, for each patient (rowid = patients.id), the key with ASCII
  letters lowered (LIKE ignores their case, so the index must too; the key itself is
  already folded) and two spaces after it, so that every one- or two-character piece of
  a key begins some three-character piece.
- `patient_search_terms` (fts5vocab) lists those pieces with how many patients hold each:
  the search asks it how many patients a word could match before it chooses a plan, and
  which pieces begin a word of one or two characters.

The index only narrows the search; every candidate is then compared with the same
`LIKE` as before, so what matches is exactly what matched without the index.

On a clinic server the pg_trgm index of migration 0007 plays this part.
"""

from __future__ import annotations

import string

TABLE = "patient_search"
TERMS = "patient_search_terms"

CREATE_TABLE = (f"CREATE VIRTUAL TABLE {TABLE} USING fts5(search_key, "
                "tokenize = 'trigram case_sensitive 1')")
CREATE_TERMS = f"CREATE VIRTUAL TABLE {TERMS} USING fts5vocab({TABLE}, row)"

#: What follows each key in the index: two characters no query word holds (words are
#: split at white space), so a word's last one or two characters begin a piece too.
PADDING = "  "

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def indexed_text_sql(key: str) -> str:
    """SQL for the text the index holds for the key expression `key`. ASCII letters are
    lowered by replace(), not lower(): lower() follows ICU where SQLite was built with
    it, and the Python side (`as_indexed`) must fold exactly alike."""
    for upper in string.ascii_uppercase:
        key = f"replace({key}, '{upper}', '{upper.lower()}')"
    return f"{key} || '{PADDING}'"


def as_indexed(word: str) -> str:
    """A query word folded as the index holds keys (ASCII letters lowered)."""
    return word.translate(_ASCII_LOWER)


REBUILD = (f"INSERT INTO {TABLE}(rowid, search_key) "
           f"SELECT id, {indexed_text_sql('search_key')} FROM patients")

#: The triggers that keep the index in step with `patients`, as (name, SQL).
TRIGGERS: tuple[tuple[str, str], ...] = (
    ("patient_search_after_insert",
     "CREATE TRIGGER patient_search_after_insert AFTER INSERT ON patients BEGIN "
     f"INSERT INTO {TABLE}(rowid, search_key) VALUES (NEW.id, "
     f"{indexed_text_sql('NEW.search_key')}); END"),
    ("patient_search_after_update",
     "CREATE TRIGGER patient_search_after_update AFTER UPDATE OF id, search_key ON patients "
     f"BEGIN DELETE FROM {TABLE} WHERE rowid = OLD.id; "
     f"INSERT INTO {TABLE}(rowid, search_key) VALUES (NEW.id, "
     f"{indexed_text_sql('NEW.search_key')}); END"),
    ("patient_search_after_delete",
     "CREATE TRIGGER patient_search_after_delete AFTER DELETE ON patients BEGIN "
     f"DELETE FROM {TABLE} WHERE rowid = OLD.id; END"),
)
TRIGGER_NAMES = tuple(name for name, _sql in TRIGGERS)


def rebuild(connection) -> None:
    """Fill the index again from `patients` (after its triggers were missing a while)."""
    connection.exec_driver_sql(f"DELETE FROM {TABLE}")
    connection.exec_driver_sql(REBUILD)


def trigrams(word: str) -> list[str]:
    """The three-character pieces of `word`, as the trigram tokenizer cuts them."""
    return [word[i:i + 3] for i in range(len(word) - 2)]


def phrase(text: str) -> str:
    """`text` as one FTS5 phrase: between double quotes, its own doubled."""
    return '"' + text.replace('"', '""') + '"'
