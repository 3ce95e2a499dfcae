"""Opening an SQLite file read-only with the standard library, and the checks that need
no SQLAlchemy: integrity, references, the stored schema revision.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

# --- opening files -----------------------------------------------------------------------


def uri(path: Path, mode: str = "ro") -> str:
    """An SQLite URI for `path` (any characters in it escaped); `ro` and `rw` never
    create a missing file."""
    return f"{Path(path).resolve().as_uri()}?mode={mode}"


@contextlib.contextmanager
def connect(path: Path, mode: str = "ro") -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to an existing file, closed on leaving."""
    con = sqlite3.connect(uri(path, mode), uri=True, timeout=5)
    try:
        yield con
    finally:
        con.close()


# --- checks ------------------------------------------------------------------------------


def integrity_problems(con: sqlite3.Connection, quick: bool = False) -> list[str]:
    """What `PRAGMA integrity_check` (or the cheaper `quick_check`) finds; [] when sound."""
    rows = [r[0] for r in con.execute(f"PRAGMA {'quick_check' if quick else 'integrity_check'}")]
    return [] if rows == ["ok"] else rows


def foreign_key_problems(con: sqlite3.Connection) -> list[str]:
    """One line per row whose reference points at nothing (`PRAGMA foreign_key_check`)."""
    return [f"{table} row {rowid} refers to a missing {parent} row"
            for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check")]


def schema_revision(con: sqlite3.Connection) -> str | None:
    """The stored schema revision, or None when the file has no `alembic_version` table
    (empty, or not one of our databases)."""
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return None
        raise
    return row[0] if row else None


def known_revisions() -> set[str]:
    """Every schema revision this version of the app can read or upgrade from."""
    from alembic.config import Config  # lazy: only a restore or a check needs it
    from alembic.script import ScriptDirectory

    from . import migrator

    config = Config()
    config.set_main_option("script_location", str(migrator.MIGRATIONS_DIR))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


#: What reading a damaged file, or one that is not a database, raises: services catch it
#: by this name and never handle the driver themselves.
FileReadError = sqlite3.DatabaseError
SQLiteError = sqlite3.Error


class DataVersionWatch:
    """Whether anything was committed to the file at `path` (by any connection or
    process) since it was last asked: one idle read-only connection and one `PRAGMA
    data_version` per question. Thread-safe when the caller serialises its calls."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._con: sqlite3.Connection | None = None

    def version(self) -> int | None:
        """The file's data version (it changes with every commit by another connection),
        or None while there is no file."""
        if self._con is None:
            if not self.path.exists():
                return None
            self._con = sqlite3.connect(uri(self.path, "ro"), uri=True,
                                        check_same_thread=False)
        return self._con.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


class CheckConnection(Protocol):
    """What the record checks read through: a read-only sqlite3 connection to a file, or
    a server database's `ServerCheckConnection`; both take `?` placeholders."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...
