"""The benchmark runner's growth table (tests/benchmarks/growth.py, archive.py): the sizes
it measures, how a row is judged, and every growth figure measured on tiny clinics.
Nothing here asserts a time."""

from __future__ import annotations

import sqlite3
import sys
from datetime import datetime, timedelta

import pytest

from practitioner_app.services.backup import AUTO_BACKUP_INTERVAL, backups_to_keep
from tests.benchmarks import archive, run
from tests.benchmarks.growth import Growth, growth_table, sizes_for
from tests.factories import a_patient


def test_the_sizes_are_those_below_the_patients_given_then_that_size():
    assert sizes_for(50_000) == (1_000, 10_000, 50_000)
    assert sizes_for(10_000) == (1_000, 10_000)
    assert sizes_for(300) == (300,)  # CI: one size
    assert sizes_for(300, (1000, 100, 100)) == (100, 300)
    assert run.parse(["--patients", "20000", "--sizes", "500,5_000"]).sizes == (500, 5000)
    with pytest.raises(SystemExit):
        run.parse(["--sizes", "ten"])


def test_the_search_baseline_replays_every_statement_the_search_sends(services):
    services.patients.register(a_patient(number="P000777", full_name="Łukasz Nowak"))
    sent = run.search_statements(services, "Łukasz")
    replayed = " ".join(f"{sql} {params}" for sql, params in sent)
    assert "FROM patients" in replayed and "%lukasz%" in replayed
    assert run.search_statement(services, "Łukasz") is not None
    if not services.on_server:  # the trigram index's own lookups are part of the search
        assert "patient_search_terms" in replayed


def test_a_row_is_judged_on_its_growth_and_on_its_limit():
    sizes = (1_000, 10_000)
    flat = Growth("search", "ms", {1_000: 10.0, 10_000: 11.0}, growth_limit=1.2, limit=16.0)
    assert flat.growth(sizes) == pytest.approx(1.1)
    assert flat.met(sizes) is True
    grown = Growth("audit", "ms", {1_000: 50.0, 10_000: 90.0}, growth_limit=1.2, limit=100.0)
    assert grown.met(sizes) is False  # under its limit, but grown 1.8×
    over = Growth("quit", "ms", {1_000: 1500.0, 10_000: 1500.0}, limit=1000.0)
    assert over.met(sizes) is False  # flat, but over its limit
    assert Growth("x", "ms", {300: 5.0}).met((300,)) is None  # one size: no growth to judge
    missing = Growth("cold", "ms", {}, note="not on a server")
    lines = growth_table([flat, grown, missing], sizes).splitlines()
    assert lines[0] == ("| figure | 1,000 patients | 10,000 patients | growth (10,000 / 1,000) "
                        "| target | met? |")
    assert lines[2] == ("| search | 10.0 ms | 11.0 ms | 1.10× | growth ≤ 1.2×; ≤ 16.0 ms "
                        "| yes |")
    assert lines[3].endswith("| 1.80× | growth ≤ 1.2×; ≤ 100 ms | **no** |")
    assert lines[4].startswith("| cold | — | — | — |")


def test_a_stopped_measurement_is_shown_as_a_lower_bound():
    sizes = (1_000, 10_000)
    row = Growth("due list again", "ms", {1_000: 5_000.0, 10_000: 90_000.0},
                 at_least=frozenset({10_000}))
    line = growth_table([row], sizes).splitlines()[2]
    assert line == "| due list again | 5,000 ms | > 90,000 ms | > 18.00× | growth ≤ 1.2× | **no** |"
    both = Growth("x", "ms", {1_000: 90_000.0, 10_000: 90_000.0},
                  at_least=frozenset(sizes))
    assert both.met(sizes) is None  # two bounds: nothing known of the growth
    assert growth_table([both], sizes).splitlines()[2].endswith("| — | growth ≤ 1.2× | — |")


def test_a_year_of_the_ladder_keeps_a_few_dozen_backups():
    end = datetime(2026, 12, 3, 16, 0).astimezone()
    made = archive.year_of_backup_times(end, AUTO_BACKUP_INTERVAL)
    assert made[-1] <= end and made[0] >= end - timedelta(days=366)
    assert len(made) > 3000  # every half hour of a working year
    assert 20 <= len(backups_to_keep(made)) <= 33  # the ladder's 10 + 7 + 4 + 12, less overlaps


def test_a_command_s_peak_memory_is_its_own_not_the_runner_s(tmp_path):
    """A process started from the runner inherits the runner's peak at exec; the
    figure must be the command's own."""
    held = bytearray(300 * 2**20)  # the runner holding a big clinic
    held[::4096] = b"x" * len(held[::4096])
    small = archive.run_process([sys.executable, "-c", "pass"], run.child_environment(tmp_path))
    big = archive.run_process(
        [sys.executable, "-c", "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])"],
        run.child_environment(tmp_path))
    del held
    assert small.peak_mb is not None and small.peak_mb < 100
    assert big.peak_mb is not None and big.peak_mb > 200


def test_eviction_leaves_the_database_and_its_log_as_they_were(tmp_path):
    path = tmp_path / "clinic.sqlite3"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (x)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1000)])
    con.commit()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert archive.evict(path) == sum(len(b) for b in before.values())
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert con.execute("SELECT count(*) FROM t").fetchone() == (1000,)
    con.close()


@pytest.mark.slow
def test_every_growth_figure_is_measured_on_tiny_clinics(tmp_path, qapp):
    """Two tiny clinics, every growth figure at each: the child's audit trail window,
    new-patient window and quit, the first start with the file evicted, signing, the due
    list, the command line as processes with their memory, a year of backups; and the
    ratio table at the larger."""
    options = run.Options(patients=12, sessions_per_patient=3, repeat=1, queries=6, series=3,
                          report_runs=1)
    result = run.run_growth(tmp_path, options, (6, 12))

    assert result.sizes == (6, 12)
    assert result.clinic.patients == 14 and len(result.figures) >= 15
    by_name = {row.name: row for row in result.rows}
    assert len(by_name) == len(run.GROWTH_ROWS)  # every row measured on a file
    for row in result.rows:
        assert set(row.values) == {6, 12}, row.name
        assert all(v > 0 for v in row.values.values()), row
    for word in ("evicted", "Audit trail window", "Quit", "`check`", "Sign a session",
                 "Due list", "suggested number", "patients list", "report session",
                 "Backups folder"):
        assert any(word in name for name in by_name), word
    assert any("Closing left a backup after 1 of 1" in n for n in result.growth_notes)
    # Every kept backup counted, and the newest and oldest restored and checked.
    assert any("2 of 2 restored into a new database and passed every check" in n
               for n in result.growth_notes), result.growth_notes
    text = run.report_text(result.figures, result.clinic, options, "cmd", 1.0,
                           result.notes, result)
    assert run.table(result.figures) in text
    assert growth_table(result.rows, result.sizes) in text
