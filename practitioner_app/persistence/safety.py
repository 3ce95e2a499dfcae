"""Keeping the database file safe: online backups, integrity checks, clear storage errors,
and one writing copy of the app per database.

Standard library `sqlite3` only (plus one SQLAlchemy event hook in `translate_errors`), so
these work on a file that SQLAlchemy could not open, and never pay for an import of Alembic
unless a backup has to be migrated.

- `backup_database` copies a live database with SQLite's online backup API (never a file
  copy), checks the copy with `PRAGMA integrity_check` before giving it its final name, and
  never overwrites an existing file unless asked.
- `assess` is the cheap start-up look (`PRAGMA quick_check`): new, fine, damaged, not a
  database, or not one of ours; `has_accounts` the window's first question.
- `translate_errors` turns SQLite's "disk full", "read-only", "busy" and "corrupt" codes
  into `StorageError`s whose text a clinician can act on.
- `DatabaseLock` is `<db>.lock` beside the database: taken with `fcntl.flock` on POSIX
  and a byte-range lock (`msvcrt.locking`) on Windows, both released by the system when
  the holder dies, so a lock left by a crash or a power cut is never in the way; the file
  holds the holder's pid, host and start time for the message the second copy shows.
- Files on disk: `write_file` is the one way the app writes a file (beside, flushed,
  renamed); what it and the backups write, and the folders they create, are owner-only
  on POSIX (`PRIVATE_FILE`, `PRIVATE_FOLDER`); `prepare_database_files` tightens an older
  clinic's files and `clean_leftovers` removes what a killed backup, restore or export
  left behind. Nothing here ever opens the live database files except through SQLite:
  on POSIX, closing any other descriptor of them would drop SQLite's locks.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import json
import os
import re
import shutil
import socket
import sqlite3
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..domain.errors import (  # noqa: F401 - re-exported
    BackupError,
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseInUse,
    StorageError,
    StorageFull,
    StorageReadOnly,
)

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows; with neither, an O_EXCL lock file with a stale-pid check stands in
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]


# --- errors (domain/errors.py; named here too for older imports) -------------------------

_NOT_SAVED = "The change was not saved; nothing was half-saved."
_NO_BACKUP = "The backup was not made; the database itself is unchanged."
_NOT_RESTORED = "Nothing was restored; the database is unchanged."
_WRITE_ERRORS = frozenset({"SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE",
                           "SQLITE_IOERR_DIR_FSYNC", "SQLITE_IOERR_SHMSIZE"})


def storage_error(error: sqlite3.Error, what: str = "the database",
                  outcome: str = _NOT_SAVED) -> StorageError | None:
    """The StorageError for SQLite `error`, or None when it is not a storage problem
    (a constraint, a programming error: those keep their own type)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    text = str(error)
    if name == "SQLITE_FULL" or "disk is full" in text:
        return StorageFull(
            f"The disk holding {what} is full (SQLite: {text}). {outcome} "
            "Free some disk space, then try again.")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")) \
            or "readonly database" in text:
        return StorageReadOnly(
            f"{what[0].upper()}{what[1:]} cannot be written: the file or its folder is "
            f"read-only, or this user may not change it (SQLite: {text}). {outcome}")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseBusy(
            f"{what[0].upper()}{what[1:]} is busy: another program is using it "
            f"(SQLite: {text}). {outcome} Try again in a moment.")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return DatabaseDamaged(
            f"{what[0].upper()}{what[1:]} is damaged (SQLite: {text}). {outcome} "
            "Check it (File ▸ Check database, or `practitioner-app check`) and restore "
            "the newest good backup.")
    if name.startswith("SQLITE_IOERR"):
        doing = "writing" if name in _WRITE_ERRORS else "reading or writing"
        return StorageError(
            f"The disk reported an error while {doing} {what}: it may be full, disconnected "
            f"or failing (SQLite: {text}). {outcome}")
    return None


def translate_errors(engine) -> None:
    """Raise StorageErrors instead of SQLAlchemy's OperationalError for storage faults on
    every connection of `engine` (SQLAlchemy `handle_error` event)."""
    from sqlalchemy import event

    @event.listens_for(engine, "handle_error")
    def _translate(context) -> None:
        original = context.original_exception
        if isinstance(original, sqlite3.Error):
            translated = storage_error(original)
            if translated is not None:
                raise translated from original


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


# --- backups -----------------------------------------------------------------------------


def backup_database(source: Path, destination: Path, *, overwrite: bool = False) -> Path:
    """Copy the (possibly live) database `source` to `destination` with SQLite's online
    backup API, in rollback-journal mode so the copy is one self-contained file.

    The copy is written beside `destination` as `<name>.unfinished-XXXXXXXX` (owner-only,
    claimed with a lock while written; see `unfinished_file`), checked with `PRAGMA
    integrity_check`, flushed to disk and only then given its name, so a file with the
    final name is always a complete, checked backup. What an earlier, killed backup left
    in that folder is removed first (`clean_leftovers`). An existing `destination` is
    never replaced unless `overwrite`. Raises BackupError (the copy fails its check),
    StorageError (disk full, read-only, ...) or FileExistsError.
    """
    source, destination = Path(source), Path(destination)
    if not overwrite and destination.exists():
        raise FileExistsError(f"{destination} already exists")
    try:
        private_folder(destination.parent)
        clean_leftovers(destination.parent)
        for older in (".part", ".part-journal"):  # what older versions left for this name
            destination.with_name(destination.name + older).unlink(missing_ok=True)
        partial, claim = unfinished_file(destination)
    except OSError as error:
        raise os_storage_error(error, f"the backup folder {destination.parent}") from error
    try:
        _copy(source, partial)
        try:
            with connect(partial, "ro") as con:
                problems = integrity_problems(con)
        except sqlite3.DatabaseError as error:  # too damaged to check at all
            problems = [str(error)]
        if problems:
            raise BackupError(
                f"The backup of {source} failed its integrity check ({'; '.join(problems[:3])}),"
                " so it was not kept. The database itself may be damaged: check it.")
        os.fsync(claim)
        claim = _before_rename(claim)
        _place(partial, destination, overwrite)
    except FileExistsError:
        raise
    except OSError as error:
        raise os_storage_error(error, f"the backup {destination}") from error
    finally:
        _remove_unfinished(partial, claim)
    _fsync_dir(destination.parent)
    return destination


def _copy(source: Path, target: Path) -> None:
    """Copy `source` into the (empty) file `target` through SQLite."""
    try:
        src = sqlite3.connect(uri(source, "ro"), uri=True, timeout=5)
    except sqlite3.Error as error:
        raise storage_error(error, f"the database {source}", _NO_BACKUP) or BackupError(
            f"Cannot read {source}: {error}") from error
    try:
        dst = sqlite3.connect(target)
        try:
            try:
                src.backup(dst)
            except sqlite3.Error as error:
                where = "the backup" if getattr(error, "sqlite_errorname", "") in (
                    {"SQLITE_FULL", "SQLITE_READONLY", "SQLITE_CANTOPEN"} | _WRITE_ERRORS
                ) else "the database"
                name = target.name.split(_UNFINISHED)[0] if where == "the backup" else source
                raise storage_error(error, f"{where} {name}", _NO_BACKUP) or BackupError(
                    f"Cannot back up {source}: {error}") from error
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def _place(partial: Path, destination: Path, overwrite: bool) -> None:
    """Give `partial` its final name; without `overwrite`, atomically refuse an existing
    file (a hard link fails if the name is taken; rename would silently replace it)."""
    if overwrite:
        os.replace(partial, destination)
        return
    try:
        os.link(partial, destination)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (e.g. FAT on a USB stick)
        if destination.exists():
            raise FileExistsError(f"{destination} already exists") from None
        os.replace(partial, destination)


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def os_storage_error(error: OSError, what: str) -> StorageError:
    if error.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return StorageFull(f"The disk holding {what} is full ({error.strerror}).")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageReadOnly(
            f"{what[0].upper()}{what[1:]} cannot be written: it is read-only, or this "
            f"user may not change it ({error.strerror}).")
    return StorageError(f"{what[0].upper()}{what[1:]} cannot be written ({error.strerror}).")


def copy_into(source: Path, database: Path) -> None:
    """Replace the contents of the database `database` with those of `source`, through
    SQLite (the online backup API writing into it), so the change is one transaction
    that other connections see whole or not at all, and a crash half-way leaves the old
    contents."""
    src = sqlite3.connect(uri(source, "ro"), uri=True)
    try:
        dst = sqlite3.connect(uri(database, "rw"), uri=True, timeout=5)
        try:
            try:
                src.backup(dst)
            except sqlite3.Error as error:
                raise storage_error(error, f"the database {database}", _NOT_RESTORED) \
                    or StorageError(f"Cannot write the database {database}: {error}") from error
        finally:
            dst.close()
    finally:
        src.close()


# --- one writing copy of the app per database --------------------------------------------


@dataclass(frozen=True, slots=True)
class LockHolder:
    pid: int
    host: str
    since: datetime

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host} since {self.since:%Y-%m-%d %H:%M}"

    def to_json(self) -> str:
        return json.dumps({"pid": self.pid, "host": self.host,
                           "since": self.since.isoformat(timespec="seconds"),
                           "program": "practitioner-app"})

    @classmethod
    def from_json(cls, text: str) -> LockHolder | None:
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["host"]),
                       datetime.fromisoformat(data["since"]))
        except (ValueError, KeyError, TypeError):
            return None  # empty (being written) or not ours


#: Where the Windows lock is taken in the lock file (see DatabaseLock._acquire_byte_range).
_LOCK_BYTE = 1 << 20


def lock_path(database: Path) -> Path:
    return Path(database).with_name(Path(database).name + ".lock")


class DatabaseLock:
    """`<db>.lock`: while held, no other copy of the app opens the database for writing.

    `acquire()` raises DatabaseInUse naming the holder, or StorageReadOnly when the lock
    file cannot be created (a read-only folder). The lock is tied to an open file, so the
    kernel releases it when the holder exits or is killed; the holder details left in the
    file are then simply overwritten. `release()` is idempotent.
    """

    def __init__(self, database: Path) -> None:
        self.database = Path(database)
        self.path = lock_path(self.database)
        self._fd: int | None = None
        self._let_go: Callable[[int], None] = self._release_unlinking

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> DatabaseLock:
        if self._fd is not None:
            return self
        me = LockHolder(os.getpid(), socket.gethostname(), datetime.now().replace(microsecond=0))
        try:
            private_folder(self.path.parent)
            if fcntl is not None:
                self._fd = self._acquire_flock(me)
            elif msvcrt is not None:
                self._fd = self._acquire_byte_range(me)
                self._let_go = self._release_byte_range
            else:
                self._fd = self._acquire_excl(me)
        except OSError as error:
            raise os_storage_error(error, f"the folder {self.path.parent}") from error
        return self

    def _acquire_flock(self, me: LockHolder) -> int:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                         PRIVATE_FILE)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = LockHolder.from_json(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
                os.close(fd)
                raise _in_use(self.database, holder) from None
            except OSError:
                os.close(fd)
                raise
            # A holder releasing just now unlinks the file after we opened it: then we
            # hold a lock on a file nobody else will find. Start again on the new one.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            _write_holder(fd, me)
            return fd

    def _acquire_byte_range(self, me: LockHolder) -> int:
        """Windows: lock one byte at _LOCK_BYTE. A locked range can be neither read nor
        written by another process, so the byte lies far past the holder's details,
        which a refused copy still reads to say who holds the database."""
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)
        fd = os.open(self.path, flags, PRIVATE_FILE)
        try:
            os.lseek(fd, _LOCK_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as error:
            os.lseek(fd, 0, os.SEEK_SET)
            holder = LockHolder.from_json(os.read(fd, 4096).decode("utf-8", "replace"))
            os.close(fd)
            if error.errno in (errno.EACCES, getattr(errno, "EDEADLOCK", errno.EDEADLK)):
                raise _in_use(self.database, holder) from None
            raise
        _write_holder(fd, me)
        return fd

    def _acquire_excl(self, me: LockHolder) -> int:
        """Where flock is missing: create the file exclusively; a file left by a process
        of this host that no longer runs is stale and taken over."""
        for _attempt in range(3):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
            except FileExistsError:
                try:
                    holder = LockHolder.from_json(self.path.read_text("utf-8"))
                except FileNotFoundError:
                    continue
                if holder is not None and holder.host == me.host \
                        and not _process_alive(holder.pid):
                    self.path.unlink(missing_ok=True)  # stale: its holder died
                    continue
                raise _in_use(self.database, holder) from None
            _write_holder(fd, me)
            return fd
        raise _in_use(self.database, None)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        self._let_go(fd)

    def _release_unlinking(self, fd: int) -> None:
        try:
            self.path.unlink(missing_ok=True)  # while still holding it: see _acquire_flock
        finally:
            os.close(fd)

    @staticmethod
    def _release_byte_range(fd: int) -> None:
        """Windows: let go and leave the file. Deleting it could leave it "delete
        pending" while another program (a virus scanner, a backup agent) has it open,
        and a copy starting then would be refused as if the folder were read-only; the
        details in it are overwritten by the next holder."""
        try:
            os.lseek(fd, _LOCK_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)

    def __enter__(self) -> DatabaseLock:
        return self.acquire()

    def __exit__(self, *_exc) -> None:
        self.release()


def _write_holder(fd: int, me: LockHolder) -> None:
    """Put `me` in the lock file just locked on `fd`; on failure (a full disk) the file
    is closed, so the lock is not kept by a copy that was told it could not open."""
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, me.to_json().encode())
    except BaseException:
        os.close(fd)
        raise


def _in_use(database: Path, holder: LockHolder | None) -> DatabaseInUse:
    who = holder.describe() if holder else "details unknown"
    hint = "" if fcntl is not None or msvcrt is not None else (
        f" If that copy no longer runs, delete {lock_path(database)}.")
    return DatabaseInUse(
        f"This database is already open in another copy of the app ({who}). Close that "
        f"copy first; only one copy at a time may change {database.name}.{hint}", holder)


def _process_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


# --- files on disk: one writer, owner-only modes, no leftovers ----------------------------

#: Modes of every file and folder the app creates on POSIX: health data is for this user
#: only. Windows ignores them; there a file inherits the permissions of its folder.
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700

#: Part of the name of every file still being written: `<final name>.unfinished-XXXXXXXX`,
#: so a copy a crash left behind says what it is and whose it is.
_UNFINISHED = ".unfinished-"
#: Such a file (as `tempfile.mkstemp` names it), or the journal SQLite keeps beside it.
_UNFINISHED_NAME = re.compile(r".+\.unfinished-[a-z0-9_]{8}(-journal|-wal|-shm)?")
#: A restore's working folder in the backups folder (`BackupService.restore`).
UNFINISHED_RESTORE = "unfinished-restore-"
#: What older versions left: `<backup>.part`, its `-journal`, `.restoring-*` folders.
_LEGACY_BACKUP = (".sqlite3.part", ".sqlite3.part-journal")
_LEGACY_RESTORE = ".restoring-"
_SIDE_FILES = ("-journal", "-wal", "-shm")

#: Databases opened by this process (`prepare_database_files`): their files are never
#: written over by `write_file`, nor offered in the windows' file choosers.
_live: set[Path] = set()


def live_database_files() -> set[Path]:
    """Every file of the databases this process has opened: the database, its -wal,
    -shm, -journal and lock file. Opening and closing any of them other than through
    SQLite would drop SQLite's locks on POSIX, so nothing must."""
    return {db.with_name(db.name + suffix)
            for db in _live for suffix in ("", *_SIDE_FILES, ".lock")}


def is_live_database_file(path: Path) -> bool:
    """Whether `path` is one of `live_database_files()`: never to be opened, read or
    written by anything but SQLite."""
    try:
        resolved = Path(path).resolve()
    except OSError:
        return False
    return resolved in live_database_files()


def private_folder(folder: Path) -> Path:
    """`folder`, created (with missing parents) if needed; the folder itself is created
    owner-only (0700 on POSIX). An existing folder is left as it is."""
    folder = Path(folder)
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    return folder


def make_private(path: Path) -> bool:
    """Take the group's and others' permissions off `path` (POSIX): 0644 becomes 0600,
    0755 0700. True when its mode was changed; False when there was nothing to take
    (or no such file, or Windows). chmod never opens the file, so it is safe on a live
    database and its journal."""
    if os.name != "posix":
        return False
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return False
    mode = stat.S_IMODE(found.st_mode)
    if stat.S_ISLNK(found.st_mode) or not mode & 0o077:  # a link: its target is not ours
        return False
    os.chmod(path, mode & ~0o077)
    return True


def prepare_database_files(database: Path, backups: Path) -> list[Path]:
    """Before the database at `database` is opened: its folder exists (made owner-only
    when created here; the backups folder is made so by the first backup); a missing
    database file is created empty and owner-only, because SQLite gives its -wal, -shm
    and -journal the database's mode; what an older version left readable by others
    (the database, its side files, its lock, the log, the backups folder and every file
    in it) is made owner-only; and what a killed backup, restore or export left in both
    folders is removed.

    Returns the files and folders whose mode was changed (the caller records them in
    the audit trail). The data folder itself is tightened only when it is the app's own
    (`paths.default_data_folder`): a folder chosen with --db may be shared with other
    files, and the files in it are owner-only anyway."""
    from ..paths import default_data_folder, log_path

    database, backups = Path(database).resolve(), Path(backups)
    _live.add(database)
    tightened: list[Path] = []

    def tighten(path: Path) -> None:
        try:
            if make_private(path):
                tightened.append(path)
        except OSError:  # another user's file: the app can do nothing about it
            pass

    if database.parent.is_dir() and database.parent == default_data_folder().resolve():
        tighten(database.parent)
    private_folder(database.parent)
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except OSError:  # there already; or a read-only folder, which SQLite then reports
        pass
    for path in (database, *(database.with_name(database.name + s) for s in _SIDE_FILES),
                 lock_path(database), log_path(database)):
        tighten(path)
    try:
        if backups.is_dir():
            tighten(backups)
            for entry in sorted(backups.iterdir()):
                tighten(entry)
    except OSError:  # a read-only medium: the backup itself will say so, in plain words
        pass
    for folder in (database.parent, backups):
        with contextlib.suppress(OSError):
            clean_leftovers(folder)
    return tightened


def unfinished_file(target: Path) -> tuple[Path, int]:
    """A new, empty, owner-only file beside `target` named `<target name>.unfinished-
    XXXXXXXX`, and its open descriptor, which holds a lock on it (POSIX) so that
    `clean_leftovers` never removes it while it is being written. Close it with
    `_remove_unfinished` once the file was renamed or is to be given up."""
    target = Path(target)
    fd, name = tempfile.mkstemp(prefix=target.name + _UNFINISHED, dir=target.parent)
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new and unshared: never waits
    return Path(name), fd


def _before_rename(fd: int) -> int:
    """Windows refuses to rename or delete a file that is open: let go of it there (-1)
    before it is renamed. Elsewhere the descriptor, and its lock, are kept to the end."""
    if fcntl is None and fd >= 0:
        os.close(fd)
        return -1
    return fd


def _remove_unfinished(partial: Path, fd: int) -> None:
    """Remove `partial` (gone already once renamed) and its side files, then let go of
    its lock (`fd`, or -1 when let go already)."""
    fd = _before_rename(fd)
    try:
        for name in (partial, *(partial.with_name(partial.name + s) for s in _SIDE_FILES)):
            with contextlib.suppress(OSError):
                name.unlink(missing_ok=True)
    finally:
        if fd >= 0:
            os.close(fd)


def claim_folder(folder: Path) -> int | None:
    """Lock `folder` while this process works in it (POSIX), so `clean_leftovers` in
    another copy of the app leaves it alone; close the descriptor to let go. None where
    there are no such locks (Windows: there an hour-old folder counts as abandoned)."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _abandoned(path: Path) -> bool:
    """Whether nobody is writing the unfinished file or restore folder `path` any more:
    its writer's lock is gone (it was killed, or the machine went down). Where locks
    are missing (Windows), a file that is still open cannot be removed anyway; a
    restore folder counts as abandoned after an hour."""
    if fcntl is None:
        return path.is_file() or time.time() - path.stat().st_mtime > 3600
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True  # closing the descriptor releases the lock again
    finally:
        os.close(fd)


def clean_leftovers(folder: Path, prefix: str = "") -> list[Path]:
    """Remove from `folder` what a killed backup, restore or write left behind: files
    named `*.unfinished-*` (with their -journal, -wal and -shm), `unfinished-restore-*`
    folders, and what older versions left (`*.sqlite3.part`, `*.sqlite3.part-journal`,
    `.restoring-*`). Anything still being written (its writer holds its lock) is left
    alone, and so are the live database's files. `prefix` limits the look to names
    starting with it. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = sorted(Path(folder).iterdir())
    except OSError:
        return removed
    live = live_database_files()
    side_files = []
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or entry in live or entry.is_symlink():
            continue
        try:
            if name.startswith((UNFINISHED_RESTORE, _LEGACY_RESTORE)) and entry.is_dir():
                if _abandoned(entry):
                    shutil.rmtree(entry)
                    removed.append(entry)
            elif (ours := _UNFINISHED_NAME.fullmatch(name)) and ours[1] \
                    or name.endswith(_LEGACY_BACKUP[1]):
                side_files.append(entry)
            elif (ours or name.endswith(_LEGACY_BACKUP[0])) \
                    and entry.is_file() and _abandoned(entry):
                entry.unlink()
                removed.append(entry)
        except OSError:  # in use (Windows), removed meanwhile, or not ours to remove
            continue
    for entry in side_files:  # a journal goes with its file, once that is gone
        main = entry.name.removesuffix("-journal").removesuffix("-wal").removesuffix("-shm")
        if not entry.with_name(main).exists():
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def write_file(target: Path, data: bytes | str) -> Path:
    """The one way the app writes a file (exports, CSVs, PDFs; backups go the same way
    through `backup_database`): `data` (text is written as UTF-8, line ends as given)
    goes to an owner-only `<name>.unfinished-XXXXXXXX` beside `target`, is flushed to
    disk and only then renamed over `target`, and the rename is flushed too. On any
    failure (disk full, folder gone, read-only) the unfinished file is removed and an
    existing `target` is left exactly as it was; StorageError says what happened in
    plain words. A file of a database this process has open is never written over."""
    target = Path(target)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if is_live_database_file(target):
        raise StorageReadOnly(f"{target} is a file of the clinic database itself; choose "
                              "another name. Nothing was written.")
    with contextlib.suppress(OSError):
        clean_leftovers(target.parent, prefix=target.name + _UNFINISHED)
    try:
        partial, fd = unfinished_file(target)
    except OSError as error:
        raise os_storage_error(error, f"the file {target}") from error
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        fd = _before_rename(fd)
        os.replace(partial, target)
    except OSError as error:
        raise os_storage_error(error, f"the file {target}") from error
    finally:
        _remove_unfinished(partial, fd)
    _fsync_dir(target.parent)
    return target
