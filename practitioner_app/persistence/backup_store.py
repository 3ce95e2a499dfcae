"""Older automatic backups, deduplicated and compressed, in one file of the backups folder.

SQLite's online backup API keeps page numbers, so two backups of the same database differ
only where pages changed. The store cuts each backup into fixed 16 KiB pieces (four pages
of 4 KiB), keeps every distinct piece once, compressed with zlib and named by its SHA-256,
and per backup the list of its pieces in order (its manifest) with the SHA-256 of the
whole file. Written back out, a stored backup is byte for byte the file it was.

The store is itself an SQLite database (`older-backups.store`, rollback journal, synchronous
FULL): adding a backup is one transaction, so a process killed half-way leaves the store as
it was; removing backups deletes the pieces no remaining backup uses, and the file gives its
free pages back when they exceed a quarter of it. Everything is read and written piece by
piece: memory stays bounded whatever the size of the database.

Every piece is checked against its SHA-256 as it is written out, and the whole file against
the manifest's: a damaged piece is found and named, never restored. (A damaged piece harms
every stored backup that shares it; the newest backups are never in the store, see
services/backup.py.)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import BackupError
from .private_files import PRIVATE_FILE, private_folder
from .storage_errors import storage_error

#: The store's file name in the backups folder.
STORE_NAME = "older-backups.store"
#: The size of a piece: small enough that a change touches few pieces (scattered page
#: updates, as saving a session makes, dirty about 5 % of the 16 KiB pieces of a
#: 10,000-patient clinic against 17 % of 64 KiB ones), large enough to compress well.
PIECE = 16 * 1024
_COMPRESSION = 6
_FORMAT = 1
_NOT_STORED = "The older backup was kept as a whole file instead."

_SCHEMA = """
CREATE TABLE IF NOT EXISTS store(key TEXT PRIMARY KEY, value) ;
CREATE TABLE IF NOT EXISTS pieces(
    id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL UNIQUE, size INTEGER NOT NULL,
    data BLOB NOT NULL) ;
CREATE TABLE IF NOT EXISTS backups(
    name TEXT PRIMARY KEY, made TEXT NOT NULL, size INTEGER NOT NULL,
    sha256 BLOB NOT NULL, data_as_of_ns INTEGER NOT NULL, pieces BLOB NOT NULL) ;
"""


@dataclass(frozen=True, slots=True)
class StoredBackup:
    name: str          # the name the backup had as a file, e.g. backup-…Z.sqlite3
    made: str          # as the backup service wrote it (an ISO time)
    size: int          # bytes, written out
    data_as_of_ns: int  # the file time the backup's data is as of (see BackupService)


class BackupStore:
    """The store at `path` (created by the first `add`)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    # -- reading --------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_file()

    def entries(self) -> list[StoredBackup]:
        """Every stored backup (no piece is read). [] when there is no store."""
        if not self.exists():
            return []
        with self._connect(write=False) as con:
            return [StoredBackup(*row) for row in con.execute(
                "SELECT name, made, size, data_as_of_ns FROM backups ORDER BY name")]

    def get(self, name: str) -> StoredBackup | None:
        return next((e for e in self.entries() if e.name == name), None)

    def size_on_disk(self) -> int:
        return self.path.stat().st_size if self.exists() else 0

    def write_out(self, name: str, target: Path) -> Path:
        """Write the stored backup `name` to the new file `target`, checking every piece
        and the whole file against their SHA-256. Raises BackupError naming the damage
        (the partial `target` is removed)."""
        target = Path(target)
        try:
            with self._connect(write=False) as con:
                row = con.execute("SELECT size, sha256, pieces FROM backups WHERE name = ?",
                                  (name,)).fetchone()
                if row is None:
                    raise BackupError(f"There is no backup {name} in {self.path}.")
                size, expected, pieces = row
                whole = hashlib.sha256()
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
                with os.fdopen(fd, "wb") as out:
                    for number, piece in enumerate(self._pieces(con, pieces)):
                        data = self._piece(con, piece, name, number)
                        whole.update(data)
                        out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                if whole.digest() != expected or target.stat().st_size != size:
                    raise BackupError(f"The backup {name} in {self.path} is damaged (it does "
                                      "not match its checksum); nothing was restored.")
        except sqlite3.DatabaseError as error:
            with contextlib.suppress(OSError):
                target.unlink()
            raise BackupError(f"The backup store {self.path} cannot be read ({error}); "
                              f"{name} cannot be restored from it.") from error
        except BaseException:
            with contextlib.suppress(OSError):
                target.unlink()
            raise
        return target

    @staticmethod
    def _pieces(_con: sqlite3.Connection, packed: bytes) -> Iterator[int]:
        ids = array("q")
        ids.frombytes(packed)
        return iter(ids)

    def _piece(self, con: sqlite3.Connection, piece: int, name: str, number: int) -> bytes:
        row = con.execute("SELECT sha256, size, data FROM pieces WHERE id = ?",
                          (piece,)).fetchone()
        damaged = BackupError(f"The backup {name} in {self.path} is damaged (piece "
                              f"{number} is missing or altered); nothing was restored.")
        if row is None:
            raise damaged
        digest, size, compressed = row
        try:
            data = zlib.decompress(compressed)
        except zlib.error as error:
            raise damaged from error
        if len(data) != size or hashlib.sha256(data).digest() != digest:
            raise damaged
        return data

    # -- writing --------------------------------------------------------------------------
    def add(self, source: Path, name: str, made: str, data_as_of_ns: int) -> bool:
        """Store the backup file `source` as `name`, in one transaction; only pieces the
        store lacks are written. False when `name` is stored already (nothing changes).
        Raises StorageError (disk full, read-only, …) or BackupError."""
        private_folder(self.path.parent)
        with contextlib.suppress(FileExistsError):  # owner-only from the start
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        try:
            with self._connect(write=True) as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    if con.execute("SELECT 1 FROM backups WHERE name = ?", (name,)).fetchone():
                        con.execute("ROLLBACK")
                        return False
                    ids, whole, size = array("q"), hashlib.sha256(), 0
                    with open(source, "rb") as file:
                        while data := file.read(PIECE):
                            whole.update(data)
                            size += len(data)
                            ids.append(self._put(con, data))
                    con.execute("INSERT INTO backups VALUES (?, ?, ?, ?, ?, ?)",
                                (name, made, size, whole.digest(), data_as_of_ns,
                                 ids.tobytes()))
                    con.execute("COMMIT")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
        except sqlite3.Error as error:
            raise storage_error(error, f"the backup store {self.path}", _NOT_STORED) \
                or BackupError(f"The backup store {self.path} cannot be written ({error}). "
                               f"{_NOT_STORED}") from error
        return True

    @staticmethod
    def _put(con: sqlite3.Connection, data: bytes) -> int:
        digest = hashlib.sha256(data).digest()
        found = con.execute("SELECT id FROM pieces WHERE sha256 = ?", (digest,)).fetchone()
        if found is not None:
            return found[0]
        return con.execute("INSERT INTO pieces(sha256, size, data) VALUES (?, ?, ?)",
                           (digest, len(data), zlib.compress(data, _COMPRESSION))).lastrowid

    def remove(self, names: list[str]) -> None:
        """Remove the stored backups `names`, then every piece no remaining backup uses;
        the file shrinks once its free pages exceed a quarter of it."""
        if not names or not self.exists():
            return
        try:
            with self._connect(write=True) as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    con.executemany("DELETE FROM backups WHERE name = ?",
                                    [(n,) for n in names])
                    con.execute("CREATE TEMP TABLE IF NOT EXISTS used(id INTEGER PRIMARY KEY)")
                    con.execute("DELETE FROM used")
                    for (packed,) in con.execute("SELECT pieces FROM backups").fetchall():
                        con.executemany("INSERT OR IGNORE INTO used VALUES (?)",
                                        ((i,) for i in self._pieces(con, packed)))
                    con.execute("DELETE FROM pieces WHERE id NOT IN (SELECT id FROM used)")
                    con.execute("COMMIT")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
                free, total = (con.execute(f"PRAGMA {p}").fetchone()[0]
                               for p in ("freelist_count", "page_count"))
                if free * 4 > total:
                    con.execute("PRAGMA incremental_vacuum")
        except sqlite3.Error as error:
            raise storage_error(error, f"the backup store {self.path}", "Nothing was removed.") \
                or BackupError(f"The backup store {self.path} cannot be written ({error})."
                               ) from error

    # -- the file -------------------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        # Reading writes only to roll back what a killed writer left (a hot journal),
        # which a read-only connection cannot do; on read-only media it reads as it is.
        mode = "rw" if write or os.access(self.path, os.W_OK) else "ro"
        con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode={mode}", uri=True,
                              timeout=30, isolation_level=None, check_same_thread=False)
        try:
            if write:
                con.execute("PRAGMA synchronous=FULL")
                if con.execute("PRAGMA user_version").fetchone()[0] == 0:
                    # Must precede the first table: lets `remove` give free pages back.
                    con.execute("PRAGMA auto_vacuum=INCREMENTAL")
                    con.execute("PRAGMA journal_mode=DELETE")  # one file to copy away
                    con.executescript(_SCHEMA)
                    con.execute("INSERT OR REPLACE INTO store VALUES ('format', ?), "
                                "('piece', ?)", (_FORMAT, PIECE))
                    con.execute(f"PRAGMA user_version={_FORMAT}")
            yield con
        finally:
            con.close()

