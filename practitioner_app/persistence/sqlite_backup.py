"""Copies of a live SQLite database: SQLite's online backup API, never a file copy;
checked with `PRAGMA integrity_check` before the copy gets its name; and writing a
checked copy's contents into the live database (restore).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

from ..domain.errors import BackupError, StorageError
from .private_files import _UNFINISHED, place_checked
from .sqlite_checks import connect, integrity_problems, uri
from .storage_errors import _NO_BACKUP, _NOT_RESTORED, _WRITE_ERRORS, storage_error

# --- backups -----------------------------------------------------------------------------


def backup_database(source: Path, destination: Path, *, overwrite: bool = False) -> Path:
    """Copy the (possibly live) database `source` to `destination` with SQLite's online
    backup API, in rollback-journal mode so the copy is one self-contained file.

    The copy is written beside `destination` as `<name>.unfinished-XXXXXXXX` (owner-only,
    claimed with a lock while written; see `unfinished_file`), checked with `PRAGMA
    integrity_check`, flushed to disk and only then given its name, so a file with the
    final name is always a complete, checked backup. Its modification time is set to the
    file system's time just before the copy began: the copy holds every change whose
    write left the database's files an earlier time (`BackupService.unbacked_changes`).
    What an earlier, killed backup left in that folder is removed first
    (`clean_leftovers`). An existing `destination` is
    never replaced unless `overwrite`. Raises BackupError (the copy fails its check),
    StorageError (disk full, read-only, ...) or FileExistsError.
    """
    source, destination = Path(source), Path(destination)

    def copy_and_check(partial: Path) -> None:
        for older in (".part", ".part-journal"):  # what older versions left for this name
            destination.with_name(destination.name + older).unlink(missing_ok=True)
        began = _began(source, partial)
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
        os.utime(partial, ns=(began, began))

    return place_checked(destination, copy_and_check, overwrite=overwrite, what="the backup")


def _last_write(database: Path) -> int:
    """The latest modification time of `database` and its write-ahead log (0: none)."""
    times = [0]
    for path in (database, database.with_name(database.name + "-wal")):
        with contextlib.suppress(OSError):
            times.append(path.stat().st_mtime_ns)
    return max(times)


def _began(source: Path, partial: Path) -> int:
    """The file system's time as the copy of `source` begins, read from the new file
    `partial`: a commit after this leaves the database's files this time or later; one
    before, an earlier time. The file system's clock moves in ticks of a few
    milliseconds, so while `source` was written in the current tick this waits for the
    next (a backup made just after a save would otherwise look older than the save)."""
    began = partial.stat().st_mtime_ns
    for _ in range(100):
        if began > _last_write(source):
            break
        time.sleep(0.002)
        os.utime(partial)  # now
        began = partial.stat().st_mtime_ns
    return began


def fold_in_log(database: Path) -> None:
    """Copy what the write-ahead log of `database` holds into the file itself, without
    waiting for anyone (a passive checkpoint; a reader in the way leaves the rest for
    later). Before a backup, so that closing the database afterwards has nothing left to
    write into the file and the file's time stays older than the backup's. Errors are
    ignored: it is only an optimisation."""
    try:
        con = sqlite3.connect(uri(database, "rw"), uri=True, timeout=0)
    except sqlite3.Error:
        return
    try:
        con.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error:
        pass
    finally:
        con.close()


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
