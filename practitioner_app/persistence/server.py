"""A clinic's PostgreSQL server: the engine, its errors in words a clinic can act on,
and bringing an empty or older database to the current schema.

The password is never part of what the app stores: libpq finds it in `~/.pgpass` (or
`PGPASSFILE`), `PGPASSWORD` for scripts, or in the URL typed for one run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..domain.errors import (
    DatabaseBusy,
    ServerRefused,
    ServerUnavailable,
    StorageError,
    StorageFull,
)
from ..domain.location import without_password

if TYPE_CHECKING:
    from sqlalchemy import Engine

# SQLAlchemy is imported where an engine is made, not here: the window's first question
# to a server (are there accounts?) goes through this module and must not pay for it.

#: Seconds to wait for the server to answer a connection before saying it is away.
CONNECT_TIMEOUT_S = 5
#: Keys of the transaction-scoped advisory locks this app takes (pg_advisory_xact_lock).
MIGRATION_LOCK_KEY = 7_231_001
AUDIT_CHAIN_LOCK_KEY = 7_231_002
PATIENT_NUMBER_LOCK_KEY = 7_231_003

_NOT_SAVED = "The change was not saved; nothing was half-saved."


def sqlalchemy_url(url: str) -> str:
    """The URL SQLAlchemy takes for psycopg 3 (`postgresql+psycopg://…`)."""
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def make_server_engine(url: str) -> Engine:
    """An engine on the server database at `url`. Pooled connections are tested before
    use, so a server restart costs one reconnect instead of an error."""
    from sqlalchemy import create_engine

    engine = create_engine(
        sqlalchemy_url(url), hide_parameters=True, pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S,
                      "application_name": "practitioner-app"})
    translate_server_errors(engine, url)
    return engine


def server_error(error: Exception, url: str, outcome: str = _NOT_SAVED) -> StorageError | None:
    """The StorageError for a psycopg error, or None when it is not about reaching or
    storing on the server (a constraint, a programming error keep their own type)."""
    import psycopg

    if not isinstance(error, psycopg.Error):
        return None
    state = getattr(error, "sqlstate", None) or ""
    text = " ".join(str(error).split())
    where = without_password(url)
    parts = urlsplit(url)
    user = parts.username or "(the current user)"
    if state in ("28P01", "28000") or "password authentication failed" in text \
            or "no password supplied" in text:
        return ServerRefused(
            f"The database server refused the sign-in of database user '{user}' "
            f"({where}). Check the password in ~/.pgpass (or PGPASSWORD), and that "
            f"pg_hba.conf allows this computer. Server said: {text}")
    if "could not translate host name" in text or "Name or service not known" in text:
        return ServerRefused(
            f"The database server's host name is not known here ({where}). Check the "
            f"name in the URL and this computer's network. Server said: {text}")
    if "SSL" in text or "TLS" in text or "certificate" in text:
        return ServerRefused(
            f"The secure (TLS) connection to the database server failed ({where}). Check "
            f"sslmode in the URL and the server's certificate. Server said: {text}")
    if state == "3D000" or ("database" in text and "does not exist" in text):
        return ServerRefused(
            f"The database named in {where} does not exist on the server. Ask the "
            "server's administrator to create it (see the README).")
    if state == "53100":
        return StorageFull(f"The database server's disk is full ({text}). {outcome}")
    if state in ("40001", "40P01", "55P03"):
        return DatabaseBusy(
            f"The database server was busy with the same records ({text}). {outcome} "
            "Try again.")
    if isinstance(error, psycopg.OperationalError) or state.startswith(("08", "57P")):
        return ServerUnavailable(
            f"The database server cannot be reached ({where}): it may be stopped, or the "
            f"network is down. {outcome} Your input is kept; try again when the server is "
            f"back. Server said: {text}")
    return None


def translate_server_errors(engine: Engine, url: str) -> None:
    """Raise StorageErrors instead of SQLAlchemy's OperationalError for server faults."""
    from sqlalchemy import event

    @event.listens_for(engine, "handle_error")
    def _translate(context) -> None:
        if context.is_pre_ping:
            # The pool's test of a pooled connection (after a server restart): left to
            # the pool, which replaces the dead connection instead of failing the read.
            return
        translated = server_error(context.original_exception, url)
        if translated is not None:
            raise translated from context.original_exception


def connect_error(error: BaseException, url: str) -> BaseException:
    """What to raise for an error of opening: a StorageError for the server's faults,
    the error itself otherwise."""
    original = getattr(error, "orig", None) or error
    return server_error(original, url, "Nothing was opened.") or error
