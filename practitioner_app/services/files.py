"""Writing files for the windows and the command line: the one atomic, owner-only writer
and the list of the open database's own files, which nothing but SQLite may open.

Standard library only (through `persistence.safety`), so the windows import it without
paying for SQLAlchemy.
"""

from __future__ import annotations

from ..persistence.safety import (
    PRIVATE_FILE,
    PRIVATE_FOLDER,
    StorageError,
    is_live_database_file,
    live_database_files,
    private_folder,
    write_file,
)

__all__ = ["PRIVATE_FILE", "PRIVATE_FOLDER", "StorageError", "is_live_database_file",
           "live_database_files", "private_folder", "write_file"]
