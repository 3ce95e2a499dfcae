"""Fresh databases on the test PostgreSQL server, each a copy of one migrated template."""

from __future__ import annotations

import itertools
import os
from urllib.parse import urlsplit, urlunsplit

import psycopg

from practitioner_app.persistence.database import Database

#: One template per test run: several runs may share a server, and a run ending drops its
#: own template, which must not be one another run is still copying.
TEMPLATE = f"practitioner_template_{os.getpid()}"


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


class OwnServer:
    """A PostgreSQL server of a test's own (`.ci/postgres`), which the test may stop and
    start again without disturbing the suite's shared one."""

    SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          ".ci", "postgres")

    def __init__(self, port: int) -> None:
        import subprocess
        import tempfile

        self._subprocess = subprocess
        # Not under pytest's own temporary folder: that one is private to this user, and
        # the server runs as the postgres user when the tests run as root.
        self.folder = tempfile.mkdtemp(prefix="practitioner-test-server-")
        os.chmod(self.folder, 0o755)
        self.port = port
        self.url = self.start()

    def start(self) -> str:
        done = self._subprocess.run([self.SCRIPT, "start", self.folder, str(self.port)],
                                    capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def stop(self) -> None:
        self._subprocess.run([self.SCRIPT, "stop", self.folder], capture_output=True,
                             check=True)

    def remove(self) -> None:
        import shutil

        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def database(self, name: str) -> str:
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return with_database(self.url, name)
