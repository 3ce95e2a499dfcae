"""A year of backups costs little: automatic backups older than an hour are folded into
older-backups.store (each distinct piece kept once, compressed), the retention ladder
prunes there too, and every backup it keeps still restores and passes the check. A
damaged piece is found and never restored; the newest backup, a whole file, needs none."""

from __future__ import annotations

import random
import sqlite3
import zlib
from datetime import datetime, timedelta

import pytest

from practitioner_app.app import main
from practitioner_app.persistence.backup_store import STORE_NAME
from practitioner_app.services.backup import WHOLE_FOR, BackupError, BackupService
from practitioner_app.services.backup_year import backup_times, check_every_backup, simulate_ladder
from tests.cli_helpers import cli
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import counts, records

# About the file's own backups: its pages, their pieces, the store's file.
pytestmark = pytest.mark.sqlite_only


def register(services, number: int) -> None:
    patient = services.patients.register(a_patient(number=f"P{number:06d}",
                                                   full_name=f"Patient {number}"))
    services.sessions.save(patient.id, a_full_session())


@pytest.fixture
def clinic(services):
    """A clinic of 100 patients with a session each; the services stay open."""
    for number in range(1, 101):
        register(services, number)
    return services


@pytest.fixture
def small(services):
    """Five patients with a session each; the services stay open."""
    for number in range(1, 6):
        register(services, number)
    return services


def test_a_ladder_of_backups_costs_less_than_five_databases_and_each_restores(
        clinic, tmp_path):
    db, folder = clinic.database_path, tmp_path / "backups"
    rnd = random.Random(7)
    patients_at: dict[datetime, int] = {}
    added = [100]

    def change(_since, until) -> None:  # a little work between backups, scattered
        for _ in range(2):
            added[0] += 1
            register(clinic, added[0])
        for patient_id in rnd.sample(clinic.patients.search(""), 3):
            clinic.sessions.save(patient_id, a_full_session())
        patients_at[until] = added[0]

    start = datetime(2026, 1, 5, 9, 0).astimezone()
    times = backup_times(start, days=20, per_day=3)
    run = simulate_ladder(db, folder, times, change, only_kept=False)

    assert run.made == len(times) > 50
    kept = run.kept
    assert 12 <= len(kept) <= 10 + 7 + 4 + 12
    whole = [b for b in kept if not b.stored]
    assert whole and all(kept[0].made - b.made < WHOLE_FOR for b in whole)
    assert not kept[0].stored and (folder / STORE_NAME).exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [STORE_NAME, *(b.path.name for b in whole)])
    print(f"folder {run.folder_size:,} bytes, database {run.database_size:,}: {run.ratio:.2f}x")
    assert run.folder_size < 5 * run.database_size

    checked = 0
    for backup, report in check_every_backup(run.service, tmp_path / "scratch"):
        assert report.ok, (backup.path.name, report.lines())
        restored = tmp_path / "scratch" / "restored.sqlite3"
        assert counts(restored)["patients"] == patients_at[backup.made]
        checked += 1
    assert checked == len(kept)
    assert sorted(p.name for p in folder.iterdir()) == sorted(  # the folder as it was
        [STORE_NAME, *(b.path.name for b in whole)])


@pytest.fixture
def two_backups(small, tmp_path):
    """An older backup, folded into the store, and the newest, a whole file."""
    clock = [datetime(2026, 11, 24, 9, 0)]
    service = BackupService(small.database_path, tmp_path / "backups",
                            clock=lambda: clock[0])
    service.back_up()
    older = records(small.database_path)
    register(small, 500)
    clock[0] += timedelta(hours=2)
    service.back_up()
    yield service, older
    service.close()


def test_an_older_backup_is_restored_from_the_store_as_it_was(small, two_backups):
    service, older = two_backups
    newest, stored = service.list_backups()
    assert not newest.stored and newest.path.is_file()
    assert stored.stored and not stored.path.exists()
    assert stored.label.endswith(f"(in {STORE_NAME})")
    assert service.verify(stored.path)
    result = service.restore(stored.path)
    assert result.restored_from == stored.path and result.made == stored.made
    assert records(small.database_path) == older


def test_a_damaged_piece_is_found_and_the_newest_backup_is_unharmed(small, two_backups):
    service, _older = two_backups
    newest, stored = service.list_backups()
    with sqlite3.connect(service.backups_dir / STORE_NAME) as store:
        piece, size = store.execute("SELECT id, size FROM pieces ORDER BY id LIMIT 1").fetchone()
        store.execute("UPDATE pieces SET data = ? WHERE id = ?",
                      (zlib.compress(b"\xa5" * size), piece))
    store.close()
    before = records(small.database_path)
    with pytest.raises(BackupError, match="damaged"):
        service.verify(stored.path)
    with pytest.raises(BackupError, match="damaged"):
        service.restore(stored.path)
    assert records(small.database_path) == before
    assert service.newest_good_backup() == newest
    assert service.verify(newest.path)


def test_the_command_line_lists_and_restores_a_stored_backup(capsys, small, two_backups):
    service, older = two_backups
    _newest, stored = service.list_backups()
    small.close()
    db = small.database_path
    status, out, _err = cli(capsys, db, "backup", "--list")
    assert status == 0
    assert f"{stored.path}  (in {STORE_NAME})" in out and "2 backup(s)" in out
    status, out, err = cli(capsys, db, "restore", str(stored.path))
    assert status == 0, err
    assert f"from {stored.path}" in out
    assert records(db) == older
    assert main(["--db", str(db), "check"]) == 0
