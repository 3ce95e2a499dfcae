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

from ..domain.errors import StorageError
from ..domain.location import Location
from ..persistence.assessment import Assessment, assess
from ..persistence.assessment import has_accounts as _file_has_accounts
from ..persistence.file_lock import DatabaseLock

if TYPE_CHECKING:
    from .container import Services

__all__ = ["Assessment", "DatabaseLock", "SharedServer", "StorageError", "has_accounts",
           "lock_for", "open_checked"]


class SharedServer:
    """A server database's stand-in for the file lock: any number of workstations use it
    at once (the server keeps their writes apart), so there is nothing to hold."""

    def __init__(self, location: Location) -> None:
        self.location = location

    def acquire(self) -> SharedServer:
        return self

    def release(self) -> None:
        pass


def lock_for(location: Location | Path):
    """The file's one-writer lock, or SharedServer for a server database."""
    if isinstance(location, Location):
        return SharedServer(location) if location.is_server else DatabaseLock(location.path)
    return DatabaseLock(location)


def has_accounts(location: Location | Path) -> bool:
    """Whether the database holds any practitioner account (sign in, or create the
    administrator?). A file is read with the standard library in about a millisecond;
    a server is asked once, and a server that cannot be reached raises a StorageError
    saying why (wrong password, unknown host, stopped…)."""
    if isinstance(location, Location) and location.is_server:
        from ..persistence.server_tools import server_has_accounts

        return server_has_accounts(location.url)
    return _file_has_accounts(location.path if isinstance(location, Location) else location)


def open_checked(db_path: Path | Location, backups_dir: Path, lock: DatabaseLock,
                 assessment: Callable[[], Assessment] | None = None) -> Services | Assessment:
    """The services on `db_path` once the start-up check (`assessment`, or a new one)
    found it usable; otherwise that check's answer, saying why not. Raises whatever
    opening raises (a failed migration, a storage error). `lock` is held already and
    passes to the services, which release it on closing."""
    # SQLAlchemy and the services are imported first, while the check may still be
    # reading the file (it lets go of the GIL); importing opens nothing.
    from .container import open_services

    if not (isinstance(db_path, Location) and db_path.is_server):  # the server checks itself
        path = db_path.path if isinstance(db_path, Location) else db_path
        found = assessment() if assessment is not None else assess(path)
        if not found.usable:
            return found
    services = open_services(db_path, backups_dir, lock=lock)
    try:
        services.warm_up()
    except BaseException:
        services.close()
        raise
    return services
