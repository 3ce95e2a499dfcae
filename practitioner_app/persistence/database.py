"""The database a running app or command works on: one SQLite file, migrated on open."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import configure_mappers, sessionmaker

from .engine import make_engine
from .migrator import migrate, needs_migration
from .safety import translate_errors
from .unit_of_work import UnitOfWork


class Database:
    """Opens (creating if needed) and migrates the file at `path`.

    Pre-migration backups go to `backups_dir`. `unit_of_work()` is the factory services take.
    """

    def __init__(self, path: Path, backups_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.backups_dir = backups_dir or self.path.parent / "backups"
        if needs_migration(self.path):
            migrate(self.path, self.backups_dir)
        self.engine = make_engine(self.path)
        translate_errors(self.engine)  # disk full, read-only, … as StorageError (safety.py)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def warm_up(self) -> None:
        """Do now (on a worker thread, while the clinician types) what the first query
        would otherwise do on the GUI thread: configure the ORM's mappers and open a
        pooled connection with its PRAGMAs."""
        configure_mappers()
        with self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)

    def close(self) -> None:
        self.engine.dispose()
