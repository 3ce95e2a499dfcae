"""Bring a database file to the current schema, safely.

`needs_migration` reads the schema version with the standard library only, so a start-up
on an up-to-date database never pays for importing Alembic. When a migration is needed:
an existing database is backed up first (SQLite's online backup API), migrations run with
foreign keys OFF and the protective triggers lifted (then re-created), and a foreign-key
check must come back clean before the app goes on.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

#: The newest migration's revision id; a test keeps it equal to Alembic's head.
HEAD_REVISION = "0009_patient_search_index"

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class MigrationError(RuntimeError):
    """The database could not be brought to the current schema; it was not changed."""


def current_revision(path: Path) -> str | None:
    """The schema revision stored in `path`, or None for a new or empty database."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        if "no such table" in str(error):
            return None
        raise
    finally:
        con.close()
    return row[0] if row else None


def needs_migration(path: Path) -> bool:
    return current_revision(path) != HEAD_REVISION


def backup_file(source: Path, destination: Path) -> Path:
    """Copy a (possibly live) database with SQLite's backup API, never a file copy; the
    copy passes `PRAGMA integrity_check` before it gets its name (else BackupError, and
    the migration does not run)."""
    from .safety import backup_database

    return backup_database(source, destination)


def migrate(path: Path, backups_dir: Path) -> Path | None:
    """Upgrade `path` to HEAD_REVISION; return the pre-migration backup if one was made."""
    revision = current_revision(path)
    if revision == HEAD_REVISION:
        return None
    _refuse_newer(revision, "It was",
                  "update the app, or restore a backup this version made.")
    backup = None
    if revision is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")  # never overwrite a backup
        backup = backup_file(path, backups_dir / f"before-migration-{revision}-{stamp}.sqlite3")

    from .engine import make_engine

    engine = make_engine(path, foreign_keys=False)
    try:
        with engine.begin() as connection:
            _upgrade(connection)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise MigrationError(
                    f"Migration left {len(broken)} rows with broken references; "
                    "nothing was changed.")
    finally:
        engine.dispose()
    return backup


def _refuse_newer(revision: str | None, subject: str, remedy: str) -> None:
    """MigrationError when `revision` is one this version does not know (a newer app
    wrote it); nothing is changed."""
    from .safety import known_revisions  # Alembic: only on the way to a migration

    if revision is not None and revision not in known_revisions():
        raise MigrationError(
            f"{subject} last written by a newer version of the app (schema {revision}; "
            f"this version knows up to {HEAD_REVISION}). Nothing was changed: {remedy}")


def _upgrade(connection) -> None:
    """Run every pending migration on `connection`, in its transaction, with the
    protective triggers lifted around them (batch table copies trip over them) and
    re-created as this version defines them."""
    from alembic import command  # lazy: ~270 ms, only when a migration is due
    from alembic.config import Config

    from . import triggers

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    triggers.drop_all(connection)
    command.upgrade(config, "head")
    triggers.create_all(connection)


def server_revision(connection) -> str | None:
    """The schema revision of the server database on `connection` (None when empty)."""
    if connection.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar() is None:
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def migrate_server(engine) -> bool:
    """Bring the server database behind `engine` to HEAD_REVISION in one transaction
    (PostgreSQL's DDL is transactional: a failure leaves it as it was). Workstations
    starting at once queue on an advisory lock, and only the first one migrates.
    Returns whether anything was changed."""
    from .server import MIGRATION_LOCK_KEY

    with engine.connect() as connection:  # the common case, without the lock
        if server_revision(connection) == HEAD_REVISION:
            return False
    with engine.begin() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        revision = server_revision(connection)
        if revision == HEAD_REVISION:
            return False
        _refuse_newer(revision, "The server database was",
                      "update the app on this workstation.")
        _upgrade(connection)
    return True
