"""Where the clinic's record is kept, as one small interface with two implementations:
`FileStorage` (an SQLite file on this computer) and `ServerStorage` (a database on the
clinic's PostgreSQL server). What differs between them is chosen here; the backup
services (services/backup.py, services/server_backup.py) are built on the same modules:

- one writer at a time: the file's `<db>.lock`; none on a server, which keeps writers
  apart;
- the first question (are there accounts?): read with the standard library; asked with
  psycopg;
- the start-up check: `PRAGMA quick_check` (after sign-in for a file as the app sealed
  it; none for a command that only reads); none (the server checks its own storage);
- backups: SQLite's online backup API, checked with `integrity_check`; `pg_dump`, checked
  with `pg_restore --list`;
- the checks' connection: read-only sqlite3; a read-only psycopg transaction;
- change notices: within this process; `LISTEN`/`NOTIFY` between workstations;
- the engine: PRAGMAs per connection, migrated after a checked backup; pooled and tested
  before use, migrated in one transaction.

Nothing heavy is imported here: SQLAlchemy, Alembic and psycopg load when a method needs
them, so the windows can ask before they are loaded.
"""

from __future__ import annotations

from pathlib import Path

from ..domain.location import Location, parse_location
from .assessment import Assessment, State, assess, assess_at_start, look
from .assessment import has_accounts as _file_has_accounts
from .file_lock import DatabaseLock


class SharedServer:
    """A server database's stand-in for the file lock: any number of workstations use it
    at once (the server keeps their writes apart), so there is nothing to hold."""

    def __init__(self, location: Location) -> None:
        self.location = location

    def acquire(self) -> SharedServer:
        return self

    def release(self) -> None:
        pass


class FileStorage:
    """An SQLite file on this computer."""

    is_server = False

    def __init__(self, location: Location) -> None:
        self.location = location
        self.path: Path = location.path

    def lock(self) -> DatabaseLock:
        """The one-writer lock (not yet taken)."""
        return DatabaseLock(self.path)

    def has_accounts(self) -> bool:
        return _file_has_accounts(self.path)

    def assess(self) -> Assessment:
        return assess(self.path)

    def assess_for_opening(self, writing: bool) -> Assessment:
        """The check before opening: the seal rule for a writer, no quick_check for a
        reader (see assessment.py)."""
        return assess_at_start(self.path) if writing else look(self.path)

    def default_backups_dir(self) -> Path:
        """The `backups` folder beside the file: one folder holds everything to copy."""
        return self.path.parent / "backups"

    def change_feed(self):
        from .change_feed import ChangeFeed

        return ChangeFeed()

    def open_engine(self, backups_dir: Path):
        """An engine on the file (created if missing), migrated first if it is older
        than this app (after a checked backup into `backups_dir`)."""
        from .engine import make_engine
        from .migrator import migrate, needs_migration
        from .storage_errors import translate_errors

        self.path.parent.mkdir(parents=True, exist_ok=True)
        if needs_migration(self.path):
            migrate(self.path, backups_dir)
        engine = make_engine(self.path)
        _watch_pages(engine, self.path)
        translate_errors(engine)  # disk full, read-only, … as StorageError
        return engine


class ServerStorage:
    """A database on the clinic's PostgreSQL server."""

    is_server = True

    def __init__(self, location: Location) -> None:
        self.location = location
        self.url: str = location.url

    def lock(self) -> SharedServer:
        return SharedServer(self.location)

    def has_accounts(self) -> bool:
        """Raises the StorageError saying why the server cannot be used."""
        from .server_tools import server_has_accounts

        return server_has_accounts(self.url)

    def assess(self) -> Assessment:
        """The server keeps its own storage sound: a database that can be reached is
        usable (reaching it is the first question's job)."""
        return Assessment(Path(self.location.shown), State.OK)

    def assess_for_opening(self, writing: bool) -> Assessment:
        return self.assess()

    def default_backups_dir(self) -> Path:
        """No file to sit beside: a folder per database in the app's data folder."""
        from ..paths import default_data_folder

        return default_data_folder() / "server-backups" / self.location.name

    def change_feed(self):
        from .change_feed import ServerChangeFeed

        return ServerChangeFeed(self.url)

    def open_engine(self, backups_dir: Path | None = None):
        """An engine on the server database, migrated first (in one transaction) if it
        is empty or older than this app. Raises the StorageError saying why the server
        cannot be used."""
        from .migrator import migrate_server
        from .server import connect_error, make_server_engine

        engine = make_server_engine(self.url)
        try:
            migrate_server(engine)
        except Exception as error:
            engine.dispose()
            raised = connect_error(error, self.url)
            if raised is error:
                raise
            raise raised from error
        return engine


def _watch_pages(engine, path: Path) -> None:
    """`PRAGMA cell_size_check` on every connection: SQLite then checks each b-tree
    page's cells as the page is read from the disk (a few per cent of a read's cost), so
    a damaged page a query or a write reaches is an error, not wrong data or a write
    built on it. This is what lets a sealed file skip its quick_check before sign-in.
    A file SQLite reports damaged is never sealed by this process (file_seal.py)."""
    import sqlite3

    from sqlalchemy import event

    from .file_seal import mark_damaged

    @event.listens_for(engine, "connect")
    def _cell_size_check(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cell_size_check=ON")
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def _damage_seen(context) -> None:  # before translate_errors, which raises
        error = context.original_exception
        if isinstance(error, sqlite3.DatabaseError) and (
                (getattr(error, "sqlite_errorname", "") or "").startswith(
                    ("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in str(error)):
            mark_damaged(path)


Storage = FileStorage | ServerStorage


def storage_for(location: Location | Path | str) -> Storage:
    """The storage behind `location` (a Location, a file path, or a server URL)."""
    if not isinstance(location, Location):
        location = parse_location(location)
    return ServerStorage(location) if location.is_server else FileStorage(location)
