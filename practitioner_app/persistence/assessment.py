"""The start-up look at a database file: new, fine, damaged, not a database, or not one
of ours; and `has_accounts`, the window's first question, both answered on a thread
while the window shows.

Three depths, by who opens the file:

- `assess`: `PRAGMA quick_check` always (restores, transfers, backups, a changed file);
- `assess_at_start` (the window and writing commands): `quick_check` unless the file is
  exactly as this app sealed it after a clean close with a passed check (file_seal.py);
  then the check runs after sign-in (`BackgroundCheck`) and the start reads a constant
  few pages, whatever the size of the clinic;
- `look` (commands that only read): no `quick_check`; a damaged page they read is an
  error SQLite raises (`cell_size_check` is on in the app's connections).

Each still tells a text file, someone else's database and an unreadable file apart.
"""

from __future__ import annotations

import enum
import sqlite3
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .file_seal import mark_damaged, now, sealed_check
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
    #: When `PRAGMA quick_check` last passed on the file (UTC, ISO 8601): just now, or
    #: the seal's time for a sealed file; None when it was not checked.
    checked_at: str | None = None
    #: The file matched its seal, so its quick_check was left for after sign-in.
    sealed: bool = False

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
    """A look at `path` before it is opened for work: `PRAGMA quick_check`, plus whether
    it carries our schema version. Opens read-only, so it never changes a file."""
    return _assess(Path(path), quick=True)


def assess_at_start(path: Path) -> Assessment:
    """`assess(path)`, but without its `quick_check` when the file is exactly as this
    app sealed it after a passed check (then `sealed` is true: run `BackgroundCheck`).
    A file with a log or journal left, changed by anything, copied in or sealed by
    another version is checked in full, as `assess` does."""
    path = Path(path)
    checked_at = sealed_check(path)
    if checked_at is None:
        return assess(path)
    found = _assess(path, quick=False)
    return replace(found, checked_at=checked_at, sealed=True) if found.usable else found


def look(path: Path) -> Assessment:
    """`assess(path)` without `quick_check`, for commands that only read: constant
    time; a damaged page they read raises an error as they read it."""
    return _assess(Path(path), quick=False)


def _assess(path: Path, quick: bool) -> Assessment:
    try:
        if not path.exists() or path.stat().st_size == 0:
            return Assessment(path, State.NEW, checked_at=now())
    except OSError as error:
        return Assessment(path, State.UNREADABLE, (error.strerror or str(error),))
    try:
        with connect(path, "ro") as con:
            if quick and (problems := integrity_problems(con, quick=True)):
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
    return Assessment(path, State.OK, checked_at=now() if quick else None)


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
    """`assess_at_start(path)` started now on a thread and collected with `result()`: the app's
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
            self._answer = assess_at_start(self._path)
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


class BackgroundCheck:
    """`PRAGMA quick_check` of `path` on a thread of the lowest CPU (and so, on Linux, disk)
    priority, after a sealed start: SQLite lets go of the GIL while it reads, so typing
    and search go on. `on_done` is called on that thread with the Assessment (OK with
    `checked_at`, or DAMAGED), or with None when cancelled. `cancel()` interrupts the
    check and waits (briefly) for the thread to close its connection, so the file can be
    closed cleanly right after."""

    def __init__(self, path: Path, on_done: Callable[[Assessment | None], None]) -> None:
        self._path = Path(path)
        self._on_done = on_done
        self._cancelled = threading.Event()
        self._con: sqlite3.Connection | None = None
        self._guard = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="background check",
                                        daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        _lowest_priority()
        found: Assessment | None
        try:
            con = sqlite3.connect(f"{Path(self._path).resolve().as_uri()}?mode=ro", uri=True,
                                  timeout=5, check_same_thread=False)
            with self._guard:
                self._con = con
            try:
                if self._cancelled.is_set():
                    raise sqlite3.OperationalError("interrupted")
                problems = integrity_problems(con, quick=True)
            finally:
                with self._guard:
                    self._con = None
                con.close()
            found = (Assessment(self._path, State.DAMAGED, tuple(problems)) if problems
                     else Assessment(self._path, State.OK, checked_at=now()))
        except sqlite3.DatabaseError as error:
            if self._cancelled.is_set():
                found = None
            elif getattr(error, "sqlite_errorname", "").startswith("SQLITE_CORRUPT") \
                    or "malformed" in str(error):
                found = Assessment(self._path, State.DAMAGED, (str(error),))
            else:  # busy, unreadable for a moment: no verdict, the next start checks
                found = None
        if found is not None and found.state is State.DAMAGED:
            mark_damaged(self._path)
        self._on_done(None if self._cancelled.is_set() else found)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the answer; whether it came within `timeout` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def cancel(self, wait: float = 1.0) -> None:
        self._cancelled.set()
        with self._guard:
            if self._con is not None:
                self._con.interrupt()
        self._thread.join(wait)


def _lowest_priority() -> None:
    """Nice 19 for the calling thread alone: Linux takes a thread id where POSIX says
    process (elsewhere that would renice the whole app, so it is left as it is). The
    disk schedulers that weigh priority derive this thread's from its nice value."""
    if sys.platform.startswith("linux"):
        import os

        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError:
            pass
