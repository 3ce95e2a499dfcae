"""When the clinic server goes away: a save is refused as a whole with a plain message,
and the same save succeeds once the server is back, without restarting anything."""

from __future__ import annotations

import pytest

from practitioner_app.domain.errors import ServerRefused, ServerUnavailable
from practitioner_app.services.container import open_services
from tests.conftest import NOW, TEST_SERVER
from tests.factories import a_full_session, a_patient
from tests.server_databases import OwnServer
from tests.server_helpers import query, sql

pytestmark = pytest.mark.skipif(not TEST_SERVER, reason="no test PostgreSQL server given")


@pytest.fixture(scope="module")
def own_server():
    server = OwnServer(54331)
    yield server
    server.remove()


def test_a_save_while_the_server_is_stopped_is_refused_whole_and_works_once_it_is_back(
        own_server):
    url = own_server.database("gone")
    services = open_services(url, clock=lambda: NOW)
    try:
        patient = services.patients.register(a_patient(number="P000001"))
        own_server.stop()
        try:
            with pytest.raises(ServerUnavailable) as raised:
                services.sessions.save(patient.id, a_full_session())
            message = str(raised.value)
            assert "cannot be reached" in message and "Your input is kept" in message
            assert "Traceback" not in message
        finally:
            own_server.start()
        # The same save, once the server is back: the pool reconnects by itself.
        saved = services.sessions.save(patient.id, a_full_session())
        assert [s.id for s in services.sessions.rows_for_patient(patient.id)] == [saved.id]
        assert query(url, "SELECT count(*) FROM treatment_sessions") == [(1,)]
        assert services.audit.verify()[1] is None
    finally:
        services.close()


def test_a_wrong_database_password_is_named_not_a_traceback(monkeypatch, own_server):
    # The test servers check this one role's password (.ci/postgres writes pg_hba.conf).
    sql(own_server.url, "CREATE ROLE secretive LOGIN PASSWORD 'the right one'")
    own_server.database("guarded")
    sql(own_server.url.replace("/postgres?", "/guarded?"), "ALTER SCHEMA public OWNER TO secretive")
    url = own_server.url.replace("://app@", "://secretive@").replace("/postgres?", "/guarded?")
    monkeypatch.setenv("PGPASSWORD", "a wrong one")
    with pytest.raises(ServerRefused) as raised:
        open_services(url)
    assert "refused the sign-in of database user 'secretive'" in str(raised.value)
    assert "~/.pgpass" in str(raised.value)
    monkeypatch.setenv("PGPASSWORD", "the right one")
    open_services(url).close()  # the same URL works with the right password
