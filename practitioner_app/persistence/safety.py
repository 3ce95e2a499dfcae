"""Keeping the database file safe, by job (this module names them all for older imports;
new code imports from the module that holds the job):

- `storage_errors`: SQLite's and the system's storage faults as StorageErrors a clinician
  can act on (the errors themselves are domain values, `domain/errors.py`);
- `sqlite_checks`: opening a file read-only with the standard library; integrity,
  references and the stored schema revision;
- `assessment`: the start-up look (`PRAGMA quick_check`) and `has_accounts`;
- `sqlite_backup`: online backups checked before they get their name, and restoring one;
- `file_lock`: one writing copy of the app per database file;
- `private_files`: the one way files are written, owner-only modes, leftovers removed.

Standard library `sqlite3` only (plus one SQLAlchemy event hook in `translate_errors`),
so these work on a file that SQLAlchemy could not open.
"""

from __future__ import annotations

from ..domain.errors import (
    BackupError,
    DatabaseBusy,
    DatabaseDamaged,
    DatabaseInUse,
    StorageError,
    StorageFull,
    StorageReadOnly,
)
from .assessment import Assessment, BackgroundAssessment, State, assess, has_accounts
from .file_lock import DatabaseLock, LockHolder, lock_path
from .private_files import (
    PRIVATE_FILE,
    PRIVATE_FOLDER,
    UNFINISHED_RESTORE,
    _before_rename,
    _fsync_dir,
    _place,
    _remove_unfinished,
    claim_folder,
    clean_leftovers,
    is_live_database_file,
    live_database_files,
    make_private,
    prepare_database_files,
    private_folder,
    unfinished_file,
    write_file,
)
from .sqlite_backup import backup_database, copy_into
from .sqlite_checks import (
    connect,
    foreign_key_problems,
    integrity_problems,
    known_revisions,
    schema_revision,
    uri,
)
from .storage_errors import os_storage_error, storage_error, translate_errors

__all__ = [
    "PRIVATE_FILE", "PRIVATE_FOLDER", "UNFINISHED_RESTORE", "Assessment",
    "BackgroundAssessment", "BackupError", "DatabaseBusy", "DatabaseDamaged",
    "DatabaseInUse", "DatabaseLock", "LockHolder", "State", "StorageError", "StorageFull",
    "StorageReadOnly", "_before_rename", "_fsync_dir", "_place", "_remove_unfinished",
    "assess", "backup_database", "claim_folder", "clean_leftovers", "connect", "copy_into",
    "foreign_key_problems", "has_accounts", "integrity_problems", "is_live_database_file",
    "known_revisions", "live_database_files", "lock_path", "make_private",
    "os_storage_error", "prepare_database_files", "private_folder", "schema_revision",
    "storage_error", "translate_errors", "unfinished_file", "uri", "write_file",
]
