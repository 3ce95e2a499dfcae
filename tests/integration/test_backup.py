"""BackupService on real files: online backups, the retention ladder, noticing changes,
restore (healthy, damaged, not a database, older schema) and the database checks."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practitioner_app.services import backup as backup_module
from practitioner_app.services.backup import (
    BackupError,
    BackupService,
    Check,
    StorageError,
    backups_to_keep,
)
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import (
    counts,
    damage,
    install_newer_migration,
    integrity,
    query,
    records,
    set_revision,
    sha256,
)

# About the embedded SQLite file's own mechanism (its bytes, locks, PRAGMAs, query plans).
pytestmark = pytest.mark.sqlite_only

AUTO_NAME = re.compile(r"backup-\d{8}-\d{6}-\d{6}Z\.sqlite3")


class Clock:
    """A clock the test moves by hand (naive local time, like datetime.now)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def populated(services):
    """Two patients, three sessions, six zone rows; the services stay open."""
    for number in ("P000001", "P000002"):
        patient = services.patients.register(a_patient(number=number))
        services.sessions.save(patient.id, a_full_session())
    services.sessions.save(patient.id, a_full_session())
    return services


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 24, 9, 0))


@pytest.fixture
def backups(populated, clock, tmp_path):
    service = BackupService(populated.database_path, tmp_path / "backups", clock=clock)
    yield service
    service.close()


# --- making backups ----------------------------------------------------------------------


def test_a_backup_of_the_open_database_is_a_checked_self_contained_copy(populated, backups):
    written = backups.back_up()
    assert AUTO_NAME.fullmatch(written.name)
    assert written.parent == backups.backups_dir
    assert integrity(written) == ["ok"]
    assert records(written) == records(populated.database_path)
    assert query(written, "PRAGMA journal_mode") == [("delete",)]  # one file, no -wal
    assert sorted(p.name for p in backups.backups_dir.iterdir()) == [written.name]


def test_backup_names_sort_by_time_and_never_overwrite_each_other(backups, clock):
    same_instant = [backups.back_up() for _ in range(3)]  # the clock stands still
    clock.advance(minutes=1)
    later = backups.back_up()
    made = [*same_instant, later]
    assert len({p.name for p in made}) == 4
    assert sorted(p.name for p in made) == [p.name for p in made]
    assert all(p.exists() for p in made)


def test_backup_names_are_utc(backups, clock):
    written = backups.back_up()
    utc = clock.now.astimezone(UTC)
    assert written.name == f"backup-{utc:%Y%m%d-%H%M%S-%f}Z.sqlite3"


def test_a_backup_never_replaces_an_existing_file(backups, tmp_path):
    target = tmp_path / "keep.sqlite3"
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        backups.back_up(target)
    assert target.read_bytes() == b"precious"


def test_a_backup_that_cannot_be_written_says_so_and_leaves_nothing(backups, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot be written"):
        backups.back_up(blocker / "backup.sqlite3")
    assert blocker.read_text() == "not a folder"


def test_a_backup_of_a_damaged_database_is_refused_and_not_kept(populated, backups):
    populated.close()
    damage(populated.database_path)
    with pytest.raises(StorageError, match="damaged|integrity"):
        backups.back_up()
    assert not backups.backups_dir.exists() or not any(backups.backups_dir.iterdir())


# --- the retention ladder ----------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone()


def test_the_ladder_keeps_the_last_ten():
    times = [at("2026-11-24T09:00") + timedelta(minutes=m) for m in range(12)]
    assert backups_to_keep(times) == set(times[2:])


def test_the_ladder_over_a_year_of_half_hourly_backups():
    start = at("2025-11-24T09:00")
    times = [start + timedelta(days=d, minutes=30 * k) for d in range(366) for k in range(16)]
    kept = backups_to_keep(times)
    newest = max(times)
    assert set(sorted(times)[-10:]) <= kept
    days = sorted({t.date() for t in times}, reverse=True)[:7]
    for day in days:  # one a day for 7 days: the newest of each
        assert max(t for t in times if t.date() == day) in kept
    weeks = sorted({t.isocalendar()[:2] for t in times}, reverse=True)[:4]
    for week in weeks:
        assert max(t for t in times if t.isocalendar()[:2] == week) in kept
    months = sorted({(t.year, t.month) for t in times}, reverse=True)[:12]
    for month in months:
        assert max(t for t in times if (t.year, t.month) == month) in kept
    assert len(kept) <= 10 + 7 + 4 + 12
    assert newest - min(kept) > timedelta(days=300)  # a year back is still reachable


def test_time_passing_without_backups_costs_none():
    """Periods count only when they hold a backup: a clinic closed for months keeps its
    last days' backups."""
    times = [at("2026-01-05T17:00") + timedelta(days=d) for d in range(7)]
    assert backups_to_keep(times) == set(times)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1)),
                max_size=80))
def test_the_ladder_keeps_the_newest_and_is_stable(naive_times):
    times = [t.astimezone() for t in naive_times]
    kept = backups_to_keep(times)
    assert kept <= set(times)
    assert set(sorted(set(times))[-10:]) <= kept
    assert backups_to_keep(kept) == kept  # pruning again deletes nothing more


def test_pruning_deletes_only_automatic_backups_outside_the_ladder(backups):
    folder = backups.backups_dir
    folder.mkdir()
    start = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    automatic = [folder / f"backup-{start + timedelta(hours=h):%Y%m%d-%H%M%S-%f}Z.sqlite3"
                 for h in range(24 * 20)]
    protected = [folder / "before-migration-0001_initial-20250101-120000-000000.sqlite3",
                 folder / "before-restore-20250101-120000-000000Z.sqlite3",
                 folder / "damaged-20250101-120000-000000Z.sqlite3",
                 folder / "my own copy.sqlite3", folder / "notes.txt"]
    for path in automatic + protected:
        path.write_bytes(b"x")
    deleted = backups.prune()
    remaining = {p for p in automatic if p.exists()}
    assert set(deleted) == set(automatic) - remaining
    assert len(remaining) <= 10 + 7 + 4 + 12 and automatic[-1] in remaining
    assert all(p.exists() for p in protected)
    assert backups.prune() == []


# --- noticing changes --------------------------------------------------------------------


def test_an_automatic_backup_needs_a_change_and_half_an_hour(populated, backups, clock):
    backups.start_watching()
    assert backups.backup_if_due() is None  # nothing changed
    populated.patients.register(a_patient(number="P000003"))
    first = backups.backup_if_due()
    assert first is not None and counts(first)["patients"] == 3
    populated.patients.register(a_patient(number="P000004"))
    clock.advance(minutes=29)
    assert backups.backup_if_due() is None  # changed, but too soon
    clock.advance(minutes=1)
    second = backups.backup_if_due()
    assert second is not None and counts(second)["patients"] == 4
    clock.advance(hours=2)
    assert backups.backup_if_due() is None  # no change since


def test_a_change_by_another_program_counts(populated, backups, clock):
    backups.start_watching()
    con = sqlite3.connect(populated.database_path)
    con.execute("UPDATE patients SET goals = 'changed elsewhere' WHERE number = 'P000001'")
    con.commit()
    con.close()
    assert backups.has_changes()
    assert backups.backup_if_due() is not None


def test_on_closing_a_backup_is_made_only_after_changes(populated, backups, clock):
    backups.start_watching()
    first = backups.backup_if_changed()  # no backup exists yet: make one
    assert first is not None
    clock.advance(minutes=1)
    assert backups.backup_if_changed() is None
    populated.patients.register(a_patient(number="P000009"))
    clock.advance(minutes=1)
    assert backups.backup_if_changed() is not None


# --- restoring ---------------------------------------------------------------------------


def test_restore_replaces_the_records_and_keeps_the_current_database(populated, backups,
                                                                      clock):
    db = populated.database_path
    good = backups.back_up()
    before = records(db)
    populated.patients.register(a_patient(number="P000099"))
    changed = records(db)
    clock.advance(minutes=5)

    result = backups.restore(good)

    assert records(db) == before
    assert result.safety_copy is not None and records(result.safety_copy) == changed
    assert result.safety_copy.name.startswith("before-restore-")
    assert result.migrated_from is None and result.set_aside is None
    assert integrity(db) == ["ok"] and query(db, "PRAGMA foreign_key_check") == []
    assert query(db, "PRAGMA journal_mode") == [("wal",)]
    # The open services carry on, on the restored records.
    assert populated.patients.search("") and len(populated.patients.search("")) == 2


def test_restoring_over_a_damaged_database_sets_it_aside_untouched(populated, backups, clock):
    db = populated.database_path
    good = backups.back_up()
    expected = records(db)
    populated.close()
    damage(db)
    damaged_bytes = sha256(db)
    clock.advance(minutes=5)

    result = backups.restore(good)

    assert records(db) == expected and integrity(db) == ["ok"]
    assert result.safety_copy is None
    assert result.set_aside.name.startswith("damaged-")
    assert sha256(result.set_aside) == damaged_bytes
    assert result.set_aside not in [b.path for b in backups.list_backups()]


def test_restoring_over_a_file_that_is_not_a_database_keeps_that_file(backups, tmp_path):
    good = backups.back_up()
    text = tmp_path / "notes.sqlite3"
    text.write_text("shopping list\n" * 50)
    service = BackupService(text, backups.backups_dir)
    result = service.restore(good)
    assert result.set_aside.read_text() == "shopping list\n" * 50
    assert counts(text)["patients"] == 2


@pytest.mark.parametrize("make_bad, reason", [
    (lambda p: p.write_text("not a database"), "not a database"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE other(x)").connection.commit(),
     "not a practitioner-app database"),
    ("damaged", "damaged"),
    ("future", "newer version of the app"),
], ids=["text file", "someone else's database", "damaged", "newer schema"])
def test_a_bad_backup_is_refused_and_nothing_changes(populated, backups, tmp_path,
                                                     make_bad, reason):
    db = populated.database_path
    bad = tmp_path / "bad.sqlite3"
    if make_bad == "damaged":
        shutil.copy(backups.back_up(), bad)
        damage(bad)
    elif make_bad == "future":
        shutil.copy(backups.back_up(), bad)
        set_revision(bad, "9999_from_the_future")
    else:
        make_bad(bad)
    before = records(db)
    with pytest.raises(BackupError, match=reason):
        backups.restore(bad)
    assert records(db) == before
    assert not [p for p in backups.backups_dir.glob("before-restore-*")]


def test_the_database_itself_cannot_be_restored_onto_itself(populated, backups):
    with pytest.raises(BackupError, match="database itself"):
        backups.restore(populated.database_path)


@pytest.fixture
def newer_app(tmp_path, monkeypatch):
    return install_newer_migration(tmp_path, monkeypatch)


def test_an_older_backup_is_upgraded_on_restore(populated, backups, newer_app):
    old_revision = query(populated.database_path, "SELECT version_num FROM alembic_version")[0][0]
    old = backups.back_up()  # made by the previous version
    expected = counts(populated.database_path)

    result = backups.restore(old)

    db = populated.database_path
    assert result.migrated_from == old_revision
    assert query(db, "SELECT version_num FROM alembic_version") == [(newer_app,)]
    assert counts(db) == expected
    assert query(db, "PRAGMA foreign_key_check") == [] and integrity(db) == ["ok"]
    assert query(old, "SELECT version_num FROM alembic_version") == [(old_revision,)]  # as was


def test_newest_good_backup_skips_damaged_ones(populated, backups, clock):
    good = backups.back_up()
    clock.advance(minutes=40)
    bad = backups.back_up()
    damage(bad)
    assert backups.newest_good_backup().path == good
    assert [b.path for b in backups.list_backups()] == [bad, good]


# --- checks ------------------------------------------------------------------------------


def test_a_sound_database_passes_every_check(populated, backups):
    report = backups.check()
    assert report.ok
    assert report.lines() == ["integrity: ok", "foreign keys: ok", "schema version: ok",
                              "audit trail: ok", "signed sessions: ok", "audit ties: ok",
                              "protective triggers: ok"]


def test_a_broken_reference_is_found(populated, backups):
    con = sqlite3.connect(populated.database_path)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("UPDATE treatment_sessions SET patient_id = 999 WHERE id = 1")
    con.commit()
    con.close()
    report = backups.check()
    assert not report.ok
    assert "foreign keys: 1 problem(s)" in report.lines()
    assert "  treatment_sessions row 1 refers to a missing patients row" in report.lines()


def test_damage_is_found(populated, backups):
    populated.close()
    damage(populated.database_path)
    report = backups.check()
    assert not report.ok
    assert report.results[0].name == "integrity" and report.results[0].problems


def test_a_text_file_is_reported_as_not_a_database(tmp_path):
    text = tmp_path / "notes.sqlite3"
    text.write_text("hello\n" * 100)
    report = BackupService(text, tmp_path / "backups").check()
    assert not report.ok and "is not a database" in report.lines()[1]
    assert text.read_text() == "hello\n" * 100


def test_checks_added_to_the_hook_are_run(populated, backups, monkeypatch):
    seen = []

    def audit_chain(con):
        seen.append(con.execute("SELECT count(*) FROM patients").fetchone()[0])
        return ["entry 7 does not follow entry 6"]

    monkeypatch.setattr(backup_module, "CHECKS",
                        [*backup_module.CHECKS, Check("audit chain", audit_chain)])
    report = backups.check()
    assert seen == [2]
    assert report.lines()[-2:] == ["audit chain: 1 problem(s)",
                                   "  entry 7 does not follow entry 6"]


def test_list_backups_tells_kinds_and_dates(populated, backups, clock, tmp_path):
    made = backups.back_up()
    folder = backups.backups_dir
    (folder / "before-migration-0001_initial-20260101-080000-000000.sqlite3").write_bytes(b"")
    found = {b.kind: b for b in backups.list_backups()}
    assert found["automatic"].path == made
    assert found["automatic"].made == clock.now.astimezone()
    assert found["before migration"].made.date() == date(2026, 1, 1)
