"""The seal: what a database file looked like when this app last let go of it cleanly,
and when `PRAGMA quick_check` last passed on it, kept in `<db>.seal` beside it.

A writing copy of the app deletes the seal as it opens the file and writes it again as
it releases the file's lock after a clean close (every connection closed, so the
write-ahead log was folded in and removed). At the next start a file that still matches
its seal exactly was changed by nobody since: the start-up check can then run after
sign-in instead of before it (see assessment.py). A crash leaves no seal; anything that
touches the file (another program, a copy put in its place, a command reading without
the lock whose sign-in counted an attempt, a `touch`) changes its size, times, inode or
header, and an older or newer app writes another version: each means no match.

The identity is cheap and constant-time: one `stat` and the 100-byte SQLite header.
The header is read with a plain file descriptor, which on POSIX drops every SQLite lock
this process holds on the file when it is closed, so it is read only where this process
has no connection to the file: at start, before the file is opened, and when sealing,
which needs the log gone (the last connection anywhere deletes it as it closes).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .. import __version__

SEAL_SUFFIX = ".seal"
#: A seal whose check is older than this is not trusted: the check after sign-in is
#: cancelled when the window closes first, and a file whose checks never finish (short
#: sessions on a busy computer) is then checked before sign-in again, once.
MAX_CHECK_AGE = timedelta(days=30)
_HEADER_BYTES = 100
_FORMAT = 1


#: Files SQLite reported damaged to this process: never sealed again by it.
_damaged: set[Path] = set()


def mark_damaged(database: Path) -> None:
    """SQLite found `database` damaged: drop its seal, and never seal it in this
    process (the next start checks it in full and says so)."""
    _damaged.add(Path(database).resolve())
    break_seal(database)


def seal_path(database: Path) -> Path:
    return Path(database).with_name(Path(database).name + SEAL_SUFFIX)


def leftovers(database: Path, *, empty_log_ok: bool = False) -> bool:
    """Whether a write-ahead log or rollback journal lies beside `database`: a connection
    has it open, or one ended without closing (a crash, a killed process). With
    `empty_log_ok`, an empty log does not count: a read-only connection leaves one
    behind (it may not delete it), and an empty log holds nothing the file lacks."""
    database = Path(database)
    for suffix in ("-wal", "-journal"):
        try:
            size = os.stat(database.with_name(database.name + suffix)).st_size
        except FileNotFoundError:
            continue
        except OSError:
            return True
        if size or not empty_log_ok:
            return True
    return False


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What changes when anything writes to, replaces or touches a file: its size and
    times (the change time cannot be set back by a program), inode and device, and
    the SQLite header (change counter, page count, schema cookie, SQLite version)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int
    header: str  # hex

    @classmethod
    def of(cls, database: Path, *, empty_log_ok: bool = False) -> FileIdentity | None:
        """The identity of `database`, or None when it is missing, has leftovers beside
        it (see `leftovers`) or cannot be read."""
        database = Path(database)
        if leftovers(database, empty_log_ok=empty_log_ok):
            return None
        try:
            before = os.stat(database)
            fd = os.open(database, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            try:
                header = os.pread(fd, _HEADER_BYTES, 0) if hasattr(os, "pread") \
                    else os.read(fd, _HEADER_BYTES)
            finally:
                os.close(fd)
            after = os.stat(database)
        except OSError:
            return None
        if _stat_key(before) != _stat_key(after) or len(header) != _HEADER_BYTES:
            return None  # being written right now
        return cls(after.st_size, after.st_mtime_ns, after.st_ctime_ns, after.st_ino,
                   after.st_dev, header.hex())


_NAMES = tuple(f.name for f in fields(FileIdentity))


def _stat_key(found: os.stat_result) -> tuple[int, ...]:
    return (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev)


def now() -> str:
    """The time a check passed, as the seal records it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_seal(database: Path, checked_at: str) -> bool:
    """Seal `database` as it is now, its last passed quick_check made at `checked_at`.
    Call only while holding the file's lock, after every connection of this process to
    it was closed. False (and no seal) when the file is not closed cleanly (a log or
    journal is left) or the seal cannot be written; a start then checks in full."""
    if Path(database).resolve() in _damaged:
        return False
    identity = FileIdentity.of(database)
    if identity is None:
        return False
    from .private_files import write_file  # here: the start only reads seals

    record = {"format": _FORMAT, "app": __version__, "checked_at": checked_at,
              **asdict(identity)}
    try:
        write_file(seal_path(database), json.dumps(record, indent=1) + "\n")
    except Exception:  # a full disk or read-only folder: no seal, a full check next time
        return False
    return True


def break_seal(database: Path) -> None:
    """Delete the seal: the file is about to be written (a crash must leave none)."""
    with contextlib.suppress(FileNotFoundError):
        seal_path(database).unlink()


def sealed_check(database: Path) -> str | None:
    """When quick_check last passed on `database`, if the file is byte for byte as this
    version of the app sealed it (no leftovers, same identity) and that was less than
    MAX_CHECK_AGE ago; else None."""
    try:
        record = json.loads(seal_path(database).read_text("utf-8"))
        if record.get("format") != _FORMAT or record.get("app") != __version__:
            return None
        sealed = FileIdentity(**{name: record[name] for name in _NAMES})
        checked_at = record["checked_at"]
        if datetime.now(UTC) - datetime.fromisoformat(checked_at) > MAX_CHECK_AGE:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return checked_at if FileIdentity.of(database, empty_log_ok=True) == sealed else None
