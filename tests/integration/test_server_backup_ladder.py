"""A scheduled `backup` of a server database into its folder keeps the retention ladder
there: the dumps no longer pile up, and those kept still restore. Runs when the suite has a
test server (PRACTITIONER_APP_TEST_PG)."""

from __future__ import annotations

from datetime import datetime

import pytest

from practitioner_app.domain.location import parse_location
from practitioner_app.services.backup import Retention
from practitioner_app.services.server_backup import ServerBackupService
from tests.conftest import TEST_SERVER

pytestmark = pytest.mark.skipif(not TEST_SERVER, reason="no test PostgreSQL server given")


@pytest.fixture
def server_db(_server_template):
    url = _server_template.create()
    yield url
    _server_template.drop(url)


def test_the_ladder_keeps_the_server_dumps_in_check(server_db, tmp_path):
    folder = tmp_path / "server-backups"
    folder.mkdir()
    (folder / "my own copy.dump").write_bytes(b"PGDMP not ours")  # never the ladder's
    now = [datetime(2026, 11, 2, 9, 0)]
    service = ServerBackupService(parse_location(server_db), folder, clock=lambda: now[0],
                                  retention=Retention(last=2, daily=2, weekly=1, monthly=1))
    made = []
    for day in range(4):
        for hour in (9, 13, 17):
            now[0] = datetime(2026, 11, 2 + day, hour, 0)
            made.append(service.back_up())
    kept = [b.path for b in service.list_backups()]
    # The newest two, the newest of the two latest days (one of them among the two).
    assert kept == [made[-1], made[-2], made[-4]]
    assert all(not p.exists() for p in made if p not in kept)
    assert (folder / "my own copy.dump").exists()
    for path in kept:
        assert service.verify(path) == "server dump"
