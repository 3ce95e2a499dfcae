"""Shared fixtures: offscreen Qt, a fresh migrated SQLite file per test, private settings."""

from __future__ import annotations

import os

# Before anything imports Qt: no screen here, and real user settings are never touched.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

from practitioner_app.services.container import Services, open_services  # noqa: E402

#: A fixed "now" so dates in tests never depend on the day they run.
NOW = datetime(2026, 11, 24, 10, 30)


@pytest.fixture(autouse=True)
def _private_config(tmp_path_factory, monkeypatch):
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("PRACTITIONER_APP_CONFIG_DIR", str(config))
    # The app's own data folder (a server database's backups go there) is private too.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("PRACTITIONER_APP_DB", raising=False)
    return config


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "clinic.sqlite3"


#: Argon2id with cheap parameters: ~1 ms a hash instead of ~100 ms. Tests only.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """Every account service built in a test (also by the real app's start-up) hashes
    cheaply; the product keeps accounts.PASSWORD_HASHING."""
    import practitioner_app.services.accounts as accounts

    monkeypatch.setattr(accounts, "password_hasher", lambda: CHEAP_HASHER)


#: A PostgreSQL server for the suite (`.ci/postgres start` prints one); when set, every
#: test that takes `database` or `services` runs on it too.
TEST_SERVER = os.environ.get("PRACTITIONER_APP_TEST_PG", "")
BACKENDS = ["sqlite", "postgresql"] if TEST_SERVER else ["sqlite"]


@pytest.fixture(scope="session")
def _server_template():
    """One migrated database on the test server, copied for each test (a copy costs a
    fraction of running the migrations)."""
    from tests.server_databases import ServerDatabases

    databases = ServerDatabases(TEST_SERVER)
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def database(request, db_path):
    """Where a test's clinic record is: the SQLite file `db_path`, or a fresh, migrated
    database on the test server (a `postgresql://` URL), dropped afterwards."""
    if request.param == "sqlite":
        yield db_path
        return
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about the embedded SQLite file's own mechanism")
    databases = request.getfixturevalue("_server_template")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def new_database(request, database, tmp_path):
    """Makes further clinics on the backend of `database`: `new_database("name")` is a new
    SQLite file in the test's folder, or a fresh, migrated server database (dropped
    afterwards)."""
    def make(name: str):
        if not str(database).startswith("postgresql://"):
            return tmp_path / f"{name}.sqlite3"
        databases = request.getfixturevalue("_server_template")
        url = databases.create()
        request.addfinalizer(lambda: databases.drop(url))
        return url

    return make


@pytest.fixture
def services(database) -> Services:
    opened = open_services(database, clock=lambda: NOW)
    yield opened
    opened.close()
