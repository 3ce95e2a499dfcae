"""The cheap start-up look at a database file (`PRAGMA quick_check`): new, fine,
damaged, not a database, or not one of ours; and `has_accounts`, the window's first
question, both answered on a thread while the window shows.
"""

from __future__ import annotations

import enum
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from .sqlite_checks import connect, integrity_problems, schema_revision


class State(enum.Enum):
    NEW = "new"                        # missing or empty: the app creates it
    OK = "ok"
    DAMAGED = "damaged"                # an SQLite file that fails its check
    NOT_A_DATABASE = "not a database"  # e.g. a text file
    NOT_OURS = "not ours"              # an SQLite database without our schema version
    UNREADABLE = "unreadable"          # no permission, a missing folder, an I/O error


@dataclass(frozen=True, slots=True)
class Assessment:
    path: Path
    state: State
    details: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.state in (State.NEW, State.OK)

    @property
    def can_restore(self) -> bool:
        """Whether restoring a backup is the remedy (not so for a permission problem)."""
        return self.state in (State.DAMAGED, State.NOT_A_DATABASE, State.NOT_OURS)

    def message(self) -> str:
        """What is wrong, in plain words, for a dialog or standard error."""
        detail = "; ".join(self.details[:3]) + (" …" if len(self.details) > 3 else "")
        if self.state is State.DAMAGED:
            return (f"The database {self.path} is damaged (SQLite's check found: {detail}). "
                    "It was not changed.")
        if self.state is State.NOT_A_DATABASE:
            return (f"The file {self.path} is not a database (SQLite: {detail}). "
                    "It was not changed.")
        if self.state is State.NOT_OURS:
            return (f"The file {self.path} is an SQLite database, but not a practitioner-app "
                    "database (it has tables but no schema version). It was not changed.")
        if self.state is State.UNREADABLE:
            return (f"The database {self.path} cannot be opened ({detail}). Check that the "
                    "file and its folder exist and that this user may read and write them.")
        return f"The database {self.path} is fine."


def assess(path: Path) -> Assessment:
    """A cheap look at `path` before it is opened for work: `PRAGMA quick_check`, plus
    whether it carries our schema version. Opens read-only, so it never changes a file."""
    path = Path(path)
    try:
        if not path.exists() or path.stat().st_size == 0:
            return Assessment(path, State.NEW)
    except OSError as error:
        return Assessment(path, State.UNREADABLE, (error.strerror or str(error),))
    try:
        with connect(path, "ro") as con:
            problems = integrity_problems(con, quick=True)
            if problems:
                return Assessment(path, State.DAMAGED, tuple(problems))
            if schema_revision(con) is None and con.execute(
                    "SELECT count(*) FROM sqlite_master").fetchone()[0]:
                return Assessment(path, State.NOT_OURS)
    except sqlite3.DatabaseError as error:
        name = getattr(error, "sqlite_errorname", "") or ""
        if name == "SQLITE_NOTADB" or "not a database" in str(error):
            return Assessment(path, State.NOT_A_DATABASE, (str(error),))
        if name.startswith("SQLITE_CORRUPT") or "malformed" in str(error):
            return Assessment(path, State.DAMAGED, (str(error),))
        return Assessment(path, State.UNREADABLE, (str(error),))
    return Assessment(path, State.OK)


def has_accounts(path: Path) -> bool:
    """Whether the database at `path` holds any practitioner account: the window's first
    question (sign in, or create the administrator?), answered in a millisecond with the
    standard library so it needs no SQLAlchemy. A file that cannot answer (missing, older
    than accounts, damaged) says no; the full open that follows settles it."""
    try:
        if not Path(path).is_file():
            return False
        with connect(path, "ro") as con:
            return con.execute("SELECT EXISTS (SELECT 1 FROM users)").fetchone()[0] == 1
    except (sqlite3.Error, OSError):
        return False


class BackgroundAssessment:
    """`assess(path)` started now on a thread and collected with `result()`: the app's
    start-up check reads the file while the windows' code is imported (sqlite3 lets go of
    the GIL while SQLite works), so it costs next to nothing in start-up time.

    The same thread first takes `has_accounts(path)`, the window's first question, and
    `has_accounts()` gives it: asked on the window's thread while the check runs, that
    look took 5-7 ms instead of 1 (two connections reading the file at once)."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._answer: Assessment | BaseException | None = None
        self._has_accounts = False
        self._looked = threading.Event()
        self._thread = threading.Thread(target=self._run, name="start-up check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            try:
                self._has_accounts = has_accounts(self._path)
            finally:
                self._looked.set()
            self._answer = assess(self._path)
        except BaseException as error:  # handed to the caller of result()
            self._answer = error

    def has_accounts(self) -> bool:
        """`has_accounts(path)`, looked at before the check began."""
        self._looked.wait()
        return self._has_accounts

    def result(self) -> Assessment:
        self._thread.join()
        if isinstance(self._answer, BaseException):
            raise self._answer
        return self._answer
