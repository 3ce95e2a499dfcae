"""SQLite's storage faults (disk full, read-only, busy, damaged) and the operating
system's, as StorageErrors whose text a clinician can act on; nothing was half-saved.
"""

from __future__ import annotations

import errno
import sqlite3

from ..domain.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    StorageError,
    StorageFull,
    StorageReadOnly,
)

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

def os_storage_error(error: OSError, what: str) -> StorageError:
    if error.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return StorageFull(f"The disk holding {what} is full ({error.strerror}).")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageReadOnly(
            f"{what[0].upper()}{what[1:]} cannot be written: it is read-only, or this "
            f"user may not change it ({error.strerror}).")
    return StorageError(f"{what[0].upper()}{what[1:]} cannot be written ({error.strerror}).")
