"""What differs on a server database for backups and checks: `pg_dump` / `pg_restore`
and a read-only connection the record checks can query like an sqlite3 one.

PostgreSQL's own tools are used, never a copy of our own making: a backup is a `pg_dump`
custom-format file, checked with `pg_restore --list` before it gets its name.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..domain.errors import BackupError
from .private_files import place_checked
from .server import CONNECT_TIMEOUT_S, connect_error


def server_tool(name: str) -> str:
    """The path of PostgreSQL's `name` (pg_dump, pg_restore): on PATH, or the newest in
    Debian's /usr/lib/postgresql/*/bin. Raises BackupError naming what to install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(
        f"PostgreSQL's {name} is not installed on this computer, so the server database "
        "cannot be backed up or restored from here. Install PostgreSQL's client tools "
        "(Debian/Ubuntu: apt-get install postgresql-client).")


def _run(args: list[str], what: str) -> str:
    env = dict(os.environ, PGCONNECT_TIMEOUT=str(CONNECT_TIMEOUT_S))
    try:
        done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    except OSError as error:
        raise BackupError(f"{what} could not be started: {error}") from error
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:600]
        raise BackupError(f"{what} failed: {said}")
    return done.stdout


def dump_database(url: str, destination: Path, *, overwrite: bool = False) -> Path:
    """`pg_dump` the server database at `url` into `destination` (custom format), written
    as an unfinished file first and named only once `pg_restore --list` reads it whole.
    Raises BackupError, StorageError or FileExistsError; a failure leaves no file."""
    def dump_and_check(partial: Path) -> None:
        _run([server_tool("pg_dump"), "--format=custom", "--no-password",
              f"--file={partial}", f"--dbname={url}"], "The server backup (pg_dump)")
        verify_dump(partial)

    return place_checked(Path(destination), dump_and_check, overwrite=overwrite,
                         what="the backup")


def verify_dump(path: Path) -> list[str]:
    """The table of contents of a pg_dump file (`pg_restore --list`); BackupError when it
    cannot be read whole."""
    listing = _run([server_tool("pg_restore"), "--list", str(path)],
                   f"Reading the backup {Path(path).name} (pg_restore --list)")
    return [line for line in listing.splitlines() if line and not line.startswith(";")]


def restore_dump(path: Path, url: str) -> None:
    """Restore a pg_dump file into the (empty) server database at `url`, in one
    transaction: all of it or nothing."""
    _run([server_tool("pg_restore"), "--single-transaction", "--exit-on-error",
          "--no-owner", "--no-password", f"--dbname={url}", str(path)],
         f"Restoring {Path(path).name} (pg_restore)")


class ServerCheckConnection:
    """A read-only connection to a server database with the small part of sqlite3's
    interface the record checks use: `execute(sql, params)` with `?` placeholders."""

    dialect = "postgresql"

    def __init__(self, url: str, raw) -> None:
        self.url = url
        self._raw = raw

    def execute(self, sql: str, params=()):
        return self._raw.execute(sql.replace("?", "%s"), tuple(params))


@contextmanager
def server_check_connection(url: str) -> Iterator[ServerCheckConnection]:
    """A read-only transaction on the server database, closed on leaving."""
    import psycopg

    try:
        raw = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S,
                              application_name="practitioner-app check")
    except psycopg.Error as error:
        raise connect_error(error, url) from error
    try:
        raw.read_only = True
        yield ServerCheckConnection(url, raw)
    finally:
        raw.close()


def server_has_accounts(url: str) -> bool:
    """Whether the server database holds any practitioner account (False while it has
    no schema yet). Raises the StorageError saying why the server cannot be used."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S,
                             application_name="practitioner-app") as raw:
            if raw.execute("SELECT to_regclass('users')").fetchone()[0] is None:
                return False
            return bool(raw.execute("SELECT EXISTS (SELECT 1 FROM users)").fetchone()[0])
    except psycopg.Error as error:
        raise connect_error(error, url) from error
