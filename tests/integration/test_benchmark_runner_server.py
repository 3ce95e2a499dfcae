"""The benchmark runner's clinic-server path (`python -m tests.benchmarks.run --db
postgresql://…`) keeps working: on a tiny clinic built in a database of its own on the
test server, every figure of the file's table is measured, and that database is gone
afterwards, also when the run breaks. Nothing here asserts a time.
"""

from __future__ import annotations

import math

import pytest

from tests.benchmarks import run
from tests.conftest import TEST_SERVER

needs_server = pytest.mark.skipif(not TEST_SERVER,
                                  reason="no test server (PRACTITIONER_APP_TEST_PG)")

#: A word of each figure's name; the server's table has every row the file's has.
FIGURES = ("Demo generation", "Cold start: launch", "Sign-in", "the clinician's wait",
           "as the issue states it", "password given the instant", "p50", "p95",
           "Open a patient", "Save a full session", "Session report", "Patient summary",
           "Peak memory", "Export", "Import")


def databases() -> set[str]:
    import psycopg

    with psycopg.connect(TEST_SERVER, autocommit=True) as admin:
        return {name for (name,) in admin.execute("SELECT datname FROM pg_database")}


def runner_databases() -> set[str]:
    """The databases this process's runner names (its clinic's and the demo
    baseline's copy)."""
    name = run.bench_database_name()
    return {d for d in databases() if d == name or d.startswith(f"{name}_")}


def test_the_database_option_takes_only_a_server_url():
    url = "postgresql://clinic@records.local:5433/clinic"
    assert run.parse(["--db", url]).db == url
    assert run.parse([]).db is None  # the file, as before
    for wrong in ("clinic.sqlite3", "mysql://clinic@records.local/clinic",
                  "postgresql://clinic@records.local"):
        with pytest.raises(SystemExit):
            run.parse(["--db", wrong])


def test_the_runner_names_its_database_beside_the_one_given():
    socket = "postgresql://app@/postgres?host=/tmp/pg&port=54329"
    assert run.database_url(socket, "bench_1") == \
        "postgresql://app@/bench_1?host=/tmp/pg&port=54329"
    assert run.database_url("postgresql://app@db.local/x?dbname=x&sslmode=require",
                            "bench_1") == "postgresql://app@db.local/bench_1?sslmode=require"


@needs_server
@pytest.mark.slow
def test_every_figure_is_measured_on_a_tiny_clinic_on_the_server(tmp_path, qapp):
    """The whole runner once on the server, tiny: the demo build and its Core copy into
    a second database, the series patient and its saves against psycopg inserts, the app
    and a bare window started as processes on the server's URL, typing into the real
    search field, clicking a patient, the documents, export and import."""
    assert not runner_databases()
    options = run.Options(patients=12, sessions_per_patient=3, repeat=1, queries=6, series=3,
                          report_runs=1)
    figures, clinic, notes = run.run_all(tmp_path, options, server=TEST_SERVER)

    assert len(figures) - any("panel follows" in f.name for f in figures) == len(FIGURES)
    for figure in figures:
        assert math.isfinite(figure.ours) and figure.ours > 0, figure
        assert math.isfinite(figure.baseline) and figure.baseline > 0, figure
        assert math.isfinite(figure.ratio), figure
    names = " | ".join(f.name for f in figures)
    for word in FIGURES:
        assert word in names, word
    # The database baselines went to the server, not to a file.
    raw = [f.baseline_name for f in figures if "psycopg" in f.baseline_name]
    assert len(raw) >= 4 and not any("sqlite3" in f.baseline_name for f in figures)
    assert run.is_server(clinic.db)
    assert (clinic.patients, len(clinic.series_sessions)) == (14, 3)
    assert notes[0].startswith("None of reportlab, alembic"), notes
    assert any(n.startswith("Server: PostgreSQL") for n in notes), notes
    text = run.report_text(figures, clinic, options, "python -m tests.benchmarks.run", 1.0,
                           notes)
    assert "PostgreSQL server database of 14 patients" in text
    assert not runner_databases()  # dropped, the demo baseline's copy too


@needs_server
def test_the_database_is_dropped_when_the_run_breaks(tmp_path, monkeypatch):
    def broken(db, *_args):
        assert run.is_server(db) and run.bench_database_name() in runner_databases()
        raise RuntimeError("the runner broke")

    monkeypatch.setattr(run, "build_clinic", broken)
    with pytest.raises(RuntimeError, match="the runner broke"):
        run.run_all(tmp_path, run.Options(patients=2), server=TEST_SERVER)
    assert not runner_databases()


@needs_server
def test_keep_leaves_the_database_for_a_look(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "build_clinic", lambda *_a: (_ for _ in ()).throw(KeyError()))
    try:
        with pytest.raises(KeyError):
            run.run_all(tmp_path, run.Options(patients=2), server=TEST_SERVER, keep=True)
        assert runner_databases() == {run.bench_database_name()}
    finally:
        run.drop_database(TEST_SERVER, run.bench_database_name())
    assert not runner_databases()
