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
"""

from __future__ import annotations

import contextlib
import enum
import errno
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..domain.errors import DomainError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows; with neither, an O_EXCL lock file with a stale-pid check stands in
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]


# --- errors ------------------------------------------------------------------------------


class StorageError(DomainError):
    """The disk or the database file failed; the change in progress was not saved (saves
    are all or nothing, so nothing was half-saved)."""


class StorageFull(StorageError):
    """No space left where the database (or a backup) is written."""


class StorageReadOnly(StorageError):
    """The database file or its folder cannot be written."""


class DatabaseBusy(StorageError):
    """Another program held the database for longer than the busy timeout."""


class DatabaseDamaged(StorageError):
    """The file is damaged, or is not a database at all."""


class DatabaseInUse(StorageError):
    """Another copy of the app has this database open for writing."""

    def __init__(self, message: str, holder: LockHolder | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class BackupError(StorageError):
    """A backup could not be made or verified, or a file cannot be restored."""


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

    The copy is written beside `destination` as `*.part`, checked with `PRAGMA
    integrity_check`, flushed to disk and only then given its name, so a file with the
    final name is always a complete, checked backup. An existing `destination` is never
    replaced unless `overwrite`. Raises BackupError (the copy fails its check),
    StorageError (disk full, read-only, ...) or FileExistsError.
    """
    source, destination = Path(source), Path(destination)
    if not overwrite and destination.exists():
        raise FileExistsError(f"{destination} already exists")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise os_storage_error(error, f"the backup folder {destination.parent}") from error
    partial = destination.with_name(destination.name + ".part")
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
        _fsync(partial)
        _place(partial, destination, overwrite)
    except FileExistsError:
        raise
    except OSError as error:
        raise os_storage_error(error, f"the backup {destination}") from error
    finally:
        partial.unlink(missing_ok=True)
    _fsync_dir(destination.parent)
    return destination


def _copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
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
                name = target.name.removesuffix(".part") if where == "the backup" else source
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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
            self.path.parent.mkdir(parents=True, exist_ok=True)
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
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
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
        fd = os.open(self.path, flags, 0o644)
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
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
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


def write_file(target: Path, data: bytes) -> Path:
    """Write `data` to `target` beside it first and rename it into place, so a failure
    (disk full, folder gone) never leaves half a file; raises StorageError in plain words."""
    partial = target.with_name(target.name + ".part")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as error:
        with contextlib.suppress(OSError):  # e.g. the "folder" is a file: nothing to tidy
            partial.unlink(missing_ok=True)
        raise os_storage_error(error, f"the file {target}") from error
    return target
