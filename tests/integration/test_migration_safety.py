"""Migrations on real data: a checked backup is taken before any migration runs, the
migration runs with foreign keys off and is followed by a foreign-key check (PITFALLS 3)."""

from __future__ import annotations

import sqlite3

import pytest

from practitioner_app.persistence import migrator
from practitioner_app.persistence.database import Database
from practitioner_app.services.backup import BackupError
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import (
    counts,
    damage,
    install_newer_migration,
    integrity,
    query,
    records,
    sha256,
)

# About the embedded SQLite file's own mechanism (its bytes, locks, PRAGMAs, query plans).
pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def populated(services, db_path):
    """A database of the current version with records in it, closed."""
    for number in ("P000001", "P000002"):
        patient = services.patients.register(a_patient(number=number))
        services.sessions.save(patient.id, a_full_session())
    services.sessions.save(patient.id, a_full_session())
    services.close()
    return db_path


def revision(path) -> str:
    return query(path, "SELECT version_num FROM alembic_version")[0][0]


def test_opening_an_older_database_backs_it_up_first(populated, tmp_path, monkeypatch):
    old_revision = revision(populated)
    original = records(populated)
    head = install_newer_migration(tmp_path, monkeypatch)

    Database(populated).close()  # what the app and every command do on opening

    backups = list((populated.parent / "backups").glob("before-migration-*.sqlite3"))
    assert len(backups) == 1
    backup = backups[0]
    assert backup.name.startswith(f"before-migration-{old_revision}-")
    assert integrity(backup) == ["ok"]
    assert records(backup) == original          # the rows as they were
    assert revision(backup) == old_revision     # at the old schema
    assert revision(populated) == head
    assert counts(populated) == counts(backup)  # and nothing was lost on the way
    assert query(populated, "PRAGMA foreign_key_check") == []
    assert "test_extra" in {r[1] for r in query(populated, "PRAGMA table_info(patients)")}


def test_the_migration_runs_with_foreign_keys_off(populated, tmp_path, monkeypatch):
    """The test migration raises if foreign keys are on; with them on, its table copies
    would cascade-delete the zone rows."""
    install_newer_migration(tmp_path, monkeypatch)
    before = counts(populated)
    migrator.migrate(populated, tmp_path / "backups")
    assert counts(populated) == before == {
        "patients": 2, "treatment_sessions": 3, "zone_treatments": 6}


def test_a_broken_reference_stops_the_migration_and_changes_nothing(populated, tmp_path,
                                                                    monkeypatch):
    con = sqlite3.connect(populated)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("UPDATE zone_treatments SET session_id = 999 WHERE id = 1")
    con.commit()
    con.close()
    old_revision = revision(populated)
    original = records(populated)
    install_newer_migration(tmp_path, monkeypatch)
    with pytest.raises(migrator.MigrationError, match="broken references"):
        migrator.migrate(populated, tmp_path / "backups")
    assert revision(populated) == old_revision and records(populated) == original


def test_a_damaged_database_is_not_migrated(populated, tmp_path, monkeypatch):
    """Its backup fails the integrity check, so the migration never starts."""
    damage(populated, "zone_treatments")
    damaged = populated.read_bytes()
    install_newer_migration(tmp_path, monkeypatch)
    with pytest.raises(BackupError, match="integrity check|damaged"):
        migrator.migrate(populated, tmp_path / "backups")
    assert populated.read_bytes() == damaged
    assert not list((tmp_path / "backups").glob("*.sqlite3"))


def test_a_database_from_a_newer_app_is_refused_in_plain_words_and_left_alone(populated):
    """Opening a file a newer version of the app has written: refused, saying so, with
    the file unchanged and no pre-migration copy made (there is nothing to migrate)."""
    with sqlite3.connect(populated) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.close()
    before = sha256(populated)
    with pytest.raises(migrator.MigrationError, match="newer version of the app .schema "
                       "9999_from_the_future; this version knows up to "
                       f"{migrator.HEAD_REVISION}"):
        Database(populated)
    assert sha256(populated) == before
    assert not list((populated.parent / "backups").glob("before-migration-*"))
