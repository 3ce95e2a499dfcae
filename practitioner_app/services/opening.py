"""Opening a clinic database for the windows in two steps, so the window can ask who is
there before the heavy part is loaded.

- `has_accounts(path)`: the first look (standard library, about a millisecond): sign in,
  or create the administrator's account?
- `open_checked(...)`: waits for the start-up check's answer and, when the file is
  usable, imports SQLAlchemy and the services (about half a second) and opens the file,
  migrating it if needed. Meant for a worker thread, while the clinician types.

This module imports neither SQLAlchemy nor Alembic: importing it costs nothing on the way
to the first window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..persistence.safety import Assessment, DatabaseLock, StorageError, assess, has_accounts

if TYPE_CHECKING:
    from .container import Services

__all__ = ["Assessment", "DatabaseLock", "StorageError", "has_accounts", "open_checked"]


def open_checked(db_path: Path, backups_dir: Path, lock: DatabaseLock,
                 assessment: Callable[[], Assessment] | None = None) -> Services | Assessment:
    """The services on `db_path` once the start-up check (`assessment`, or a new one)
    found it usable; otherwise that check's answer, saying why not. Raises whatever
    opening raises (a failed migration, a storage error). `lock` is held already and
    passes to the services, which release it on closing."""
    # SQLAlchemy and the services are imported first, while the check may still be
    # reading the file (it lets go of the GIL); importing opens nothing.
    from .container import open_services

    found = assessment() if assessment is not None else assess(db_path)
    if not found.usable:
        return found
    services = open_services(db_path, backups_dir, lock=lock)
    try:
        services.warm_up()
    except BaseException:
        services.close()
        raise
    return services
