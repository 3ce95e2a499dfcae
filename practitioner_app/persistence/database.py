"""The database a running app or command works on: an SQLite file or a PostgreSQL
server database, migrated on open."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import configure_mappers, sessionmaker

from ..domain.location import Location
from .change_feed import ChangeFeed
from .storage import storage_for
from .unit_of_work import UnitOfWork, collect_changes


class Database:
    """Opens (creating if needed) and migrates the database at `location`.

    An SQLite file's pre-migration backups go to `backups_dir`; a server database is
    migrated in one transaction instead. `unit_of_work()` is the factory services take.
    `changes` is the feed each unit of work tells what it committed (see change_feed).
    """

    def __init__(self, location: Location | Path | str, backups_dir: Path | None = None
                 ) -> None:
        self.storage = storage_for(location)
        self.location = self.storage.location
        self.path = None if self.storage.is_server else self.storage.path
        self.backups_dir = backups_dir or self.storage.default_backups_dir()
        self.engine = self.storage.open_engine(self.backups_dir)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        collect_changes(self._sessions, self.engine)
        self.changes: ChangeFeed = self.storage.change_feed()

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def warm_up(self) -> None:
        """Do now (on a worker thread, while the clinician types) what the first query
        would otherwise do on the GUI thread: configure the ORM's mappers and open a
        pooled connection (with its PRAGMAs on SQLite)."""
        configure_mappers()
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions, self.changes)

    def close(self) -> None:
        """Release the connections and stop listening for other workstations' changes.
        (An SQLite file's feed holds nothing: a file closed to be restored and then used
        again goes on announcing.)"""
        self.changes.close()
        self.engine.dispose()
