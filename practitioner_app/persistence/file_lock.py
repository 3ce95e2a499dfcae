"""One writing copy of the app per database file: `<db>.lock` beside it, taken with
`fcntl.flock` on POSIX and a byte-range lock (`msvcrt.locking`) on Windows, both released
by the system when the holder dies; the file names the holder (pid, host, start) for
the message the second copy shows.

A holder whose window has closed and that only finishes its closing work (the backup)
says so in the file (`mark_closing`): a copy starting then waits for it instead of being
refused (a lock with `patience`: `acquire` leaves it `waiting`, `wait` takes it).

The holder seals the file as it lets go (file_seal.py) when `last_check` is set: the
opener sets it once the file passed its start-up check. A command that only reads holds
a `SealWhenDone` instead, which seals again a file it found sealed.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..domain.errors import DatabaseInUse
from .file_seal import leftovers, write_seal
from .private_files import PRIVATE_FILE, private_folder
from .storage_errors import os_storage_error

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
try:  # Windows; with neither, an O_EXCL lock file with a stale-pid check stands in
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]


# --- one writing copy of the app per database --------------------------------------------


@dataclass(frozen=True, slots=True)
class LockHolder:
    pid: int
    host: str
    since: datetime
    #: The holder's window has closed; it only finishes its closing backup, then lets go.
    closing: bool = False

    def describe(self) -> str:
        return f"pid {self.pid} on host {self.host} since {self.since:%Y-%m-%d %H:%M}"

    def to_json(self) -> str:
        # Readers ignore keys they do not know: a copy without `closing` reads this too.
        return json.dumps({"pid": self.pid, "host": self.host,
                           "since": self.since.isoformat(timespec="seconds"),
                           "program": "practitioner-app", "closing": self.closing})

    @classmethod
    def from_json(cls, text: str) -> LockHolder | None:
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["host"]),
                       datetime.fromisoformat(data["since"]), data.get("closing") is True)
        except (ValueError, KeyError, TypeError, AttributeError):
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

    With `patience` (seconds; the opener's locks have it, see services/opening.py), a
    holder that is closing (`mark_closing`) is not refused: `acquire()` returns at once,
    leaving the lock `waiting`, and `wait()`, on a thread that may block, takes it once
    the holder lets go. A holder that is not closing is refused at once either way.
    """

    #: How often `wait()` tries again while the holder finishes closing.
    POLL_SECONDS = 0.1
    #: How long `wait()` reads no holder details (a new holder between taking the lock
    #: and writing them, or a rewrite) before it refuses as for an unknown holder.
    UNKNOWN_SECONDS = 1.0

    def __init__(self, database: Path, patience: float = 0.0) -> None:
        self.database = Path(database)
        self.path = lock_path(self.database)
        self._fd: int | None = None
        self._let_go: Callable[[int], None] = self._release_unlinking
        #: When quick_check last passed on the file (see file_seal.py), or None: set by
        #: the opener; with it, `release()` seals the file if it was closed cleanly.
        self.last_check: str | None = None
        #: How long a holder that is closing is waited for; 0: refused at once.
        self.patience = patience
        self._me: LockHolder | None = None
        # While waiting: the holder last found (None: details unknown); `_stop` ends
        # the wait; `_guard` keeps taking the lock and stopping the wait apart.
        self._waiting = False
        self._found: LockHolder | None = None
        self._stop = threading.Event()
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._fd is not None

    @property
    def waiting(self) -> bool:
        """`acquire()` found the holder closing: `wait()` takes the lock once it is free."""
        return self._waiting

    def acquire(self) -> DatabaseLock:
        if self._fd is not None or self._waiting:
            return self
        try:
            self._take()
        except DatabaseInUse as error:
            if self.patience <= 0 or not _may_wait_for(error.holder):
                raise
            self._found = error.holder
            self._stop.clear()
            self._waiting = True
        return self

    def wait(self) -> DatabaseLock:
        """Block until the lock is held: at once if it is. While `waiting`, try again
        every POLL_SECONDS; raises DatabaseInUse naming the holder when `patience` ran
        out, when the lock is then held by a copy that is not closing, or when
        `stop_waiting()` was called; StorageError as `acquire()`."""
        if self._fd is not None:
            return self
        if not self._waiting:
            raise _in_use(self.database, self._found)
        deadline = time.monotonic() + self.patience
        unknown_since: float | None = None
        while True:
            stopped = self._stop.wait(self.POLL_SECONDS)
            with self._guard:
                if stopped or self._stop.is_set():
                    self._waiting = False
                    raise _in_use(self.database, self._found)
                try:
                    self._take()
                except DatabaseInUse as error:
                    if error.holder is not None:
                        self._found = error.holder
                    holder = error.holder
                except BaseException:
                    self._waiting = False
                    raise
                else:
                    self._waiting = False
                    return self
            now = time.monotonic()
            if holder is None:
                unknown_since = now if unknown_since is None else unknown_since
            else:
                unknown_since = None
            timed_out = now >= deadline
            if ((holder is not None and not holder.closing) or timed_out
                    or (unknown_since is not None
                        and now - unknown_since >= self.UNKNOWN_SECONDS)):
                self._waiting = False
                raise _in_use(self.database, holder, waited=self.patience
                              if timed_out and _may_wait_for(holder) else None)

    def stop_waiting(self) -> None:
        """End a `wait()` in progress (it raises DatabaseInUse); a lock already taken
        stays held (its owner lets go of it as usual)."""
        with self._guard:
            if self._fd is None:
                self._stop.set()
                self._waiting = False

    def mark_closing(self) -> None:
        """Say in the lock file that this holder only finishes its closing work: a copy
        starting meanwhile waits for it instead of being refused. Rewritten in place, in
        one write no shorter than before, so a reader finds the old details or the new,
        never an empty file. Nothing when the lock is not held."""
        if self._fd is None or self._me is None or self._me.closing:
            return
        old = len(self._me.to_json().encode())
        self._me = LockHolder(self._me.pid, self._me.host, self._me.since, closing=True)
        text = self._me.to_json().encode()
        try:
            _write_at_start(self._fd, text.ljust(old))  # JSON allows trailing blanks
        except OSError as error:  # a full disk: the next copy is refused, as before
            raise os_storage_error(error, f"the folder {self.path.parent}") from error

    def _take(self) -> None:
        """One attempt to take the lock: raises DatabaseInUse naming the holder."""
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
        self._me = me

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
        """Let go; first seal the file when `last_check` is set and the file was closed
        cleanly (while still held, so no other copy is writing it meanwhile). A lock
        still waiting stops waiting."""
        if self._fd is None:
            self.stop_waiting()
            return
        fd, self._fd = self._fd, None
        self._me = None
        try:
            if self.last_check is not None:
                write_seal(self.database, self.last_check)
        finally:
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


class SealWhenDone:
    """What a command that reads without the lock holds instead: the file was sealed
    when it began (`checked_at`, from the seal). Its sign-in and audit entries change the
    file, through the app; so as it lets go (`release`), it seals the file again, if no
    copy of the app holds it then (the lock is taken for that moment only) and nothing
    it read was damaged. Without this, a scheduled or scripted command would cost the
    next start its quick_check."""

    held = False

    def __init__(self, database: Path, checked_at: str) -> None:
        self.database = Path(database)
        self._checked_at: str | None = checked_at

    def release(self) -> None:
        checked_at, self._checked_at = self._checked_at, None
        if checked_at is None:
            return
        lock = DatabaseLock(self.database)
        try:
            lock.acquire()
        except Exception:  # held by a window or a writing command, or a read-only folder
            return
        try:
            _fold_log(self.database)
        finally:
            lock.last_check = checked_at
            lock.release()


def _fold_log(database: Path) -> None:
    """Fold a write-ahead log left beside `database` into it and remove it, as the last
    connection to close does when it may write. A command whose last connection only
    read (the backup service's change watch) leaves the log behind, and a file with a log
    cannot be sealed. Call only while holding the lock: nobody else is writing."""
    if not leftovers(database):
        return
    import sqlite3  # here: this module is loaded before the window shows

    try:
        con = sqlite3.connect(database)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()  # the last connection: the log is removed
    except sqlite3.Error:  # damaged or unreadable: no seal, the next start checks it
        pass


def _write_holder(fd: int, me: LockHolder) -> None:
    """Put `me` in the lock file just locked on `fd`; on failure (a full disk) the file
    is closed, so the lock is not kept by a copy that was told it could not open."""
    try:
        os.ftruncate(fd, 0)
        _write_at_start(fd, me.to_json().encode())
    except BaseException:
        os.close(fd)
        raise


def _write_at_start(fd: int, data: bytes) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)


def _may_wait_for(holder: LockHolder | None) -> bool:
    """A holder that is closing lets go soon; unknown details may be being written."""
    return holder is None or holder.closing


def _in_use(database: Path, holder: LockHolder | None,
            waited: float | None = None) -> DatabaseInUse:
    who = holder.describe() if holder else "details unknown"
    hint = "" if fcntl is not None or msvcrt is not None else (
        f" If that copy no longer runs, delete {lock_path(database)}.")
    closing = "" if waited is None else (
        f" That copy is closing, but had not finished its backup after {waited:.0f} "
        "seconds; try again once it has.")
    return DatabaseInUse(
        f"This database is already open in another copy of the app ({who}). Close that "
        f"copy first; only one copy at a time may change {database.name}.{closing}{hint}",
        holder)


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
