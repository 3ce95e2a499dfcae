"""What opening a database leaves for later, on both backends: a file may leave its
quick_check for after sign-in (tests/integration/test_file_seal.py); a server, which
checks its own storage, never does."""

from __future__ import annotations

import pytest

from practitioner_app.services.container import open_services
from practitioner_app.services.opening import Opened, lock_for, open_database
from tests.factories import a_patient


@pytest.mark.parametrize("writing", [True, False], ids=["writing", "reading"])
def test_opening_a_database_the_app_left_twice(database, writing):
    first = open_services(database)
    first.patients.register(a_patient())
    first.close()
    for time in ("first", "again"):
        lock = lock_for(database).acquire() if writing else None
        outcome = open_database(database, lock=lock)
        assert isinstance(outcome, Opened), time
        try:
            on_server = outcome.services.on_server
            # A file the app closed cleanly, opened again for writing, is the only case.
            assert outcome.check_later is (writing and time == "again" and not on_server)
            assert [r.number for r in outcome.services.patients.rows(
                outcome.services.patients.search(""))] == ["P000101"]
        finally:
            outcome.services.close()
