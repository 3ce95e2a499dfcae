"""The one way the windows and the command line open a clinic database.

`open_database(location, …)` answers with what it found instead of raising for what a
clinic can meet: `Opened` (the services), `Unusable` (a damaged or foreign file, with the
start-up check's assessment: the remedy is a backup), `InUse` (another copy of the app
holds the file), `Unreachable` (the server is stopped, refuses us, or the database is
newer than this app) or `Failed` (anything else the user must be told). The window runs
it on a worker thread in two steps, so it can ask who is there before the heavy part is
loaded:

- `take(location)`: the file's one-writer lock (a server needs none) and the first look,
  `has_accounts` (a millisecond for a file): sign in, or create the administrator?
  A copy of the app whose window has closed but that still makes its closing backup is
  not a refusal: the lock is then left waiting (`DatabaseLock.waiting`), and
  `open_database` waits for it (up to CLOSING_PATIENCE), as do backup, restore and
  transfer (`Maintenance`).
- `open_database(...)`: waits for the start-up check (`PRAGMA quick_check` of a file,
  unless it is as the app sealed it: then `Opened.check_later` asks the window to run it
  after sign-in; none for a command that only reads), then imports SQLAlchemy and the
  services (about half a second) and opens the database, migrating it if needed.

`Maintenance` is what backup, restore and check get instead of services: they must work
on a file that services could not open.

This module imports neither SQLAlchemy nor Alembic: importing it costs nothing on the way
to the first window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import (
    DatabaseDamaged,
    DatabaseInUse,
    ServerRefused,
    ServerUnavailable,
    StorageError,
)
from ..domain.location import Location, parse_location
from ..persistence.assessment import Assessment, BackgroundCheck, State
from ..persistence.file_lock import DatabaseLock, SealWhenDone
from ..persistence.file_seal import break_seal, sealed_check
from ..persistence.storage import SharedServer, storage_for

if TYPE_CHECKING:
    from .container import Services

__all__ = ["CLOSING_PATIENCE", "Assessment", "BackgroundCheck", "DatabaseLock", "Failed",
           "InUse", "Maintenance", "Opened", "SharedServer", "StorageError", "Unreachable",
           "Unusable", "backups_dir_for", "closing", "damaged", "has_accounts",
           "lock_for", "open_database"]

#: How long (seconds) an opener waits for a copy of the app that is closing (its window
#: gone, its closing backup still being made: 10-30 s at 50,000 patients) to let go of
#: the file, before it says the database is in use.
CLOSING_PATIENCE = 120.0


# --- what opening found ------------------------------------------------------------------

@dataclass(frozen=True)
class Opened:
    services: Services
    #: The file matched its seal and was opened without its quick_check: the window
    #: runs it after sign-in (persistence.assessment.BackgroundCheck).
    check_later: bool = False


@dataclass(frozen=True)
class Unusable:
    """A file that is damaged, not a database, not ours or unreadable: nothing opened,
    nothing changed. `assessment.can_restore` says whether a backup is the remedy."""

    assessment: Assessment

    @property
    def message(self) -> str:
        return self.assessment.message()


@dataclass(frozen=True)
class InUse:
    message: str


@dataclass(frozen=True)
class Unreachable:
    """The server is away, refuses us, or holds a schema newer than this app."""

    message: str


@dataclass(frozen=True)
class Failed:
    message: str


Outcome = Opened | Unusable | InUse | Unreachable | Failed


# --- locks and first looks ---------------------------------------------------------------

def as_location(location: Location | Path | str) -> Location:
    return location if isinstance(location, Location) else parse_location(location)


def lock_for(location: Location | Path):
    """The file's one-writer lock, or SharedServer for a server database (not taken).
    Taking it (`acquire`) refuses at once a copy of the app that holds the file, unless
    that copy is closing: the lock is then `waiting`, and `open_database` (or
    `Maintenance`) waits for it."""
    lock = storage_for(location).lock()
    if isinstance(lock, DatabaseLock):
        lock.patience = CLOSING_PATIENCE
    return lock


def closing(lock) -> None:
    """The holder of `lock` (a window's) is closing: a copy starting now waits for it
    rather than being refused; and an opening still waiting for another copy gives up.
    Nothing for a server database (no lock) or a lock neither held nor waiting."""
    if not isinstance(lock, DatabaseLock):
        return
    if lock.waiting:
        lock.stop_waiting()
        return
    try:
        lock.mark_closing()
    except StorageError:  # a full disk: a copy starting meanwhile is refused, as before
        pass


def has_accounts(location: Location | Path) -> bool:
    """Whether the database holds any practitioner account (sign in, or create the
    administrator?). A file is read with the standard library in about a millisecond;
    a server is asked once, and a server that cannot be reached raises a StorageError
    saying why (wrong password, unknown host, stopped…)."""
    return storage_for(location).has_accounts()


class BackgroundFirstLook:
    """`has_accounts` of a server database asked on a thread from the moment the app
    starts, while Qt loads, so the window does not wait for the network (and psycopg's
    import) before it shows. `result()` gives the answer, or raises the StorageError
    saying why the server cannot be used."""

    def __init__(self, location: Location) -> None:
        import threading

        # The driver is imported here, on the calling thread, before the thread starts:
        # PySide6, imported meanwhile by the caller, installs an import hook that breaks
        # an import in progress on another thread ("cannot import name 'abc' from
        # partially initialized module 'psycopg.pq'"). Only the network waits in parallel.
        import psycopg  # noqa: F401

        self._answer: bool | BaseException = False
        self._thread = threading.Thread(target=self._run, args=(location,),
                                        name="first look", daemon=True)
        self._thread.start()

    def _run(self, location: Location) -> None:
        try:
            self._answer = has_accounts(location)
        except BaseException as error:  # handed to result(), on the GUI thread
            self._answer = error

    def result(self) -> bool:
        self._thread.join()
        if isinstance(self._answer, BaseException):
            raise self._answer
        return self._answer


def backups_dir_for(location: Location | Path) -> Path:
    """Where this workstation keeps the database's backups: the `backups` folder beside
    a file; for a server database, a folder per database in the app's data folder."""
    return storage_for(location).default_backups_dir()


# --- opening -------------------------------------------------------------------------------

def open_database(location: Location | Path | str, *, lock=None,
                  assessment: Callable[[], Assessment] | None = None, check: bool = True,
                  warm_up: bool = False, backups_dir: Path | None = None,
                  clock: Callable[[], datetime] | None = None) -> Outcome:
    """Open the database at `location` for the windows or a command.

    `lock` is held already (the window takes it before it shows), or `waiting` for a
    copy of the app that is closing: then it is waited for here first (InUse if that
    copy does not let go within its patience, or holds on without closing). It passes
    to the services, which release it on closing; an Unusable file's lock stays held
    (restoring a backup over it needs it; the caller lets go); on any other outcome it
    is released here. A file is first given the start-up check (`assessment`, or a new
    one; `check=False` skips it for commands that need no check; a fresh one when the
    lock was waited for: the other copy wrote the file after `assessment` began) and is
    neither opened nor changed when the check fails. `warm_up` prepares, off the GUI
    thread, what signing in then needs.
    """
    location = as_location(location)
    # SQLAlchemy and the services are imported first, while the check may still be
    # reading the file (it lets go of the GIL); importing opens nothing.
    from ..persistence.migrator import MigrationError
    from .container import open_services

    def let_go(outcome: Outcome) -> Outcome:
        if lock is not None:
            lock.release()
        return outcome

    writing = isinstance(lock, DatabaseLock)
    waited = writing and not lock.held  # waiting, or its wait was stopped meanwhile
    if waited:
        try:
            lock.wait()
        except DatabaseInUse as error:
            return InUse(str(error))
        except StorageError as error:
            return Failed(str(error))
    if writing:
        lock.last_check = None  # no seal unless this opening passes its check
    found: Assessment | None = None
    if not location.is_server and check:
        storage = storage_for(location)
        found = (assessment() if assessment is not None and not waited
                 else storage.assess_for_opening(writing=writing))
        if found.sealed and sealed_check(location.path) != found.checked_at:
            found = storage.assess()  # changed between the look and taking the lock
        if not found.usable:
            return Unusable(found)
    if writing and not location.is_server:
        # From here the file may change: a crash must leave no seal. A clean close
        # seals it again (DatabaseLock.release), carrying the last passed check.
        break_seal(location.path)
        lock.last_check = found.checked_at if found is not None else None
    elif lock is None and not location.is_server and (sealed_at := sealed_check(
            location.path)) is not None:
        lock = SealWhenDone(location.path, sealed_at)  # released by services.close()
    try:
        services = open_services(location, backups_dir or backups_dir_for(location),
                                 lock=lock, **({} if clock is None else {"clock": clock}))
    except (ServerUnavailable, ServerRefused) as error:
        return let_go(Unreachable(str(error)))
    except MigrationError as error:
        return let_go((Unreachable if location.is_server else Failed)(str(error)))
    except DatabaseDamaged as error:  # a page read while opening is damaged
        if location.is_server:
            return let_go(Failed(str(error)))
        if writing:
            lock.last_check = None  # the lock stays held, as for any Unusable file
        return Unusable(damaged(location.path, error))
    except StorageError as error:
        return let_go(Failed(str(error)))
    if warm_up:
        try:
            services.warm_up()
        except DatabaseDamaged as error:
            if writing:
                lock.last_check = None
            services.close()  # lets go of the lock: an Unusable file's is held again
            if location.is_server:
                return Failed(str(error))
            if writing:
                try:
                    lock.acquire().wait()  # as at the start, should another copy hold it now
                except StorageError as taken:
                    return Failed(str(taken))
            return Unusable(damaged(location.path, error))
        except StorageError as error:
            services.close()
            return Failed(str(error))
        except BaseException:
            services.close()
            raise
    return Opened(services, check_later=bool(found is not None and found.sealed))


def damaged(path: Path, error: BaseException) -> Assessment:
    """The assessment of a file SQLite found damaged while reading it (`error`, a
    DatabaseDamaged raised from SQLite's own error, whose words are kept)."""
    return Assessment(Path(path), State.DAMAGED, (str(error.__cause__ or error),))


# --- the database itself, for backup, restore and check -------------------------------------

def backup_service_for(location: Location, backups_dir: Path, *,
                       clock: Callable[[], datetime] | None = None,
                       before_replace: Callable[[], None] | None = None):
    """The backup service of the database at `location`: online file backups, or pg_dump
    for a server database; both with the same interface. `before_replace` is what a
    file's restore calls before it writes (the app's engine lets go of the file)."""
    timing = {} if clock is None else {"clock": clock}
    if location.is_server:
        from .server_backup import ServerBackupService

        return ServerBackupService(location, backups_dir, **timing)
    from .backup import BackupService

    return BackupService(location.path, backups_dir, before_replace=before_replace,
                         **timing)


class Maintenance:
    """What backup, restore and check work on instead of services: the database's backup
    service and its lock, without opening its records (which a damaged file may not
    allow). Nobody signs in to it."""

    def __init__(self, location: Location, lock=None,
                 clock: Callable[[], datetime] | None = None) -> None:
        """Waits first for a `lock` left waiting for a copy that is closing (raises
        DatabaseInUse, as its `wait`, if it does not let go)."""
        if isinstance(lock, DatabaseLock) and lock.waiting:
            lock.wait()
        self.location = location
        self.database_path = location.path
        self.backup = backup_service_for(location, backups_dir_for(location), clock=clock)
        self._lock = lock

    def assess(self) -> Assessment:
        return storage_for(self.location).assess()

    def close(self) -> None:
        self.backup.close()
        if self._lock is not None:
            self._lock.release()
