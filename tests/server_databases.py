"""Fresh databases on the test PostgreSQL server, each a copy of one migrated template."""

from __future__ import annotations

import itertools
import os
from urllib.parse import urlsplit, urlunsplit

import psycopg

from practitioner_app.persistence.database import Database

TEMPLATE = "practitioner_template"


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


class ServerDatabases:
    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._admin = psycopg.connect(server_url, autocommit=True)
        self._numbers = itertools.count(1)
        self._prefix = f"t{os.getpid()}_"
        self._admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        self._admin.execute(f"CREATE DATABASE {TEMPLATE}")
        Database(with_database(server_url, TEMPLATE)).close()  # migrates it

    def empty(self) -> str:
        """A new database with nothing in it (no schema)."""
        name = f"{self._prefix}{next(self._numbers)}"
        self._admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return with_database(self.server_url, name)

    def create(self) -> str:
        """A new database with the current schema and nothing else."""
        name = f"{self._prefix}{next(self._numbers)}"
        self._admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return with_database(self.server_url, name)

    def drop(self, url: str) -> None:
        name = urlsplit(url).path.strip("/")
        self._admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        self._admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        self._admin.close()
