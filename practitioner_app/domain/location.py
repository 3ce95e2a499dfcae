"""Where a clinic's record is kept: an SQLite file on this computer (the default), or a
database on the clinic's PostgreSQL server, named by a `postgresql://` URL.

Standard library only, so the windows, the command line and the services all read a
location the same way before anything is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit, urlunsplit

SERVER_SCHEMES = ("postgresql", "postgres")


class LocationError(ValueError):
    """The text given for the database is neither a file path nor a server URL we read."""


@dataclass(frozen=True)
class Location:
    """Exactly one of `path` (an SQLite file) and `url` (a PostgreSQL database)."""

    path: Path | None = None
    url: str | None = None

    @property
    def is_server(self) -> bool:
        return self.url is not None

    @property
    def shown(self) -> str:
        """What a window or a message shows: the file's path, or the URL without any
        password it may carry (a password is never shown, logged or stored)."""
        if self.path is not None:
            return str(self.path)
        return without_password(self.url or "")

    @property
    def name(self) -> str:
        """A short name for window titles and file names: the file's name, or the
        server database's name."""
        if self.path is not None:
            return self.path.name
        return server_database_name(self.url or "")

    @property
    def stem(self) -> str:
        return self.path.stem if self.path is not None else self.name


def parse_location(text: str | Path) -> Location:
    """A Location from `--db`, the environment or a remembered connection. A
    `postgresql://USER@HOST[:PORT]/DBNAME[?…]` URL names a server database; anything else
    is a file path (made absolute)."""
    if isinstance(text, Path):
        return Location(path=text.expanduser().resolve())
    raw = str(text).strip()
    scheme = raw.split(":", 1)[0].lower() if "://" in raw else ""
    if scheme in SERVER_SCHEMES:
        return Location(url=_checked_url(raw))
    if scheme:
        raise LocationError(
            f"--db: '{scheme}://' is not a database this app opens. Give an SQLite file "
            "path, or postgresql://USER@HOST[:PORT]/DBNAME for a clinic server.")
    return Location(path=Path(raw).expanduser().resolve())


def _checked_url(raw: str) -> str:
    parts = urlsplit(raw)
    query = dict(parse_qsl(parts.query))
    if not parts.path.strip("/") and "dbname" not in query:
        raise LocationError(
            "--db: the server URL names no database. Give "
            "postgresql://USER@HOST[:PORT]/DBNAME (for example "
            "postgresql://clinic@records.local/clinic).")
    if not (parts.hostname or query.get("host")):
        raise LocationError(
            "--db: the server URL names no host. Give postgresql://USER@HOST[:PORT]/DBNAME.")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as error:
        raise LocationError(f"--db: the server URL's port is not a number ({error}).") from None
    return raw


def without_password(url: str) -> str:
    """`url` with the password of its user part (if any) replaced by `***`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def server_database_name(url: str) -> str:
    parts = urlsplit(url)
    return parts.path.strip("/") or dict(parse_qsl(parts.query)).get("dbname", "")
