"""Files on disk: the one way the app writes a file (`write_file`: beside, flushed,
renamed), owner-only modes on POSIX, tightening an older clinic's files, and removing
what a killed backup, restore or export left behind. Nothing here opens the live
database files except through SQLite: on POSIX, closing any other descriptor of them
would drop SQLite's locks.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..domain.errors import StorageReadOnly
from .storage_errors import os_storage_error

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


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
    from .file_lock import lock_path  # the lock is beside the database too

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


def place_checked(destination: Path, write: Callable[[Path], None], *,
                  overwrite: bool = False, what: str = "the file") -> Path:
    """Make `destination` by `write(partial)`, which writes the whole file at `partial`
    (beside it, named `<name>.unfinished-XXXXXXXX`, owner-only and claimed while written)
    and checks it, raising if it is not sound; only then is it flushed to disk and given
    its name. So a file with the final name is always complete and checked, and a failure
    leaves no file. What an earlier, killed writer left in the folder is removed first.
    Never replaces an existing `destination` unless `overwrite`. Raises what `write`
    raises, StorageError (disk full, read-only, ...) or FileExistsError."""
    destination = Path(destination)
    if not overwrite and destination.exists():
        raise FileExistsError(f"{destination} already exists")
    try:
        private_folder(destination.parent)
        clean_leftovers(destination.parent)
        partial, claim = unfinished_file(destination)
    except OSError as error:
        raise os_storage_error(error, f"{what} folder {destination.parent}") from error
    try:
        write(partial)
        os.fsync(claim)
        claim = _before_rename(claim)
        _place(partial, destination, overwrite)
    except FileExistsError:
        raise
    except OSError as error:
        raise os_storage_error(error, f"{what} {destination}") from error
    finally:
        _remove_unfinished(partial, claim)
    _fsync_dir(destination.parent)
    return destination
