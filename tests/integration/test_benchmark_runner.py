"""The benchmark runner (tests/benchmarks/run.py) keeps working: every building block runs
on a tiny clinic and yields a figure. Nothing here asserts a time; the machines are too
noisy for that, and the runner's table is read by people, beside its baselines.
"""

from __future__ import annotations

import pytest

from tests.benchmarks import run


def test_a_ratio_reads_as_cost_over_the_baseline_whatever_the_unit():
    slow = run.Figure("x", ours=30.0, baseline=10.0, unit="ms", target=2.5,
                      target_is_ratio=True)
    assert slow.ratio == pytest.approx(3.0)
    assert slow.met is False
    rate = run.Figure("demo", ours=1000.0, baseline=4000.0, unit=run.RATE)
    assert rate.ratio == pytest.approx(4.0)  # a quarter of the rate: four times the time
    assert rate.met is None
    assert run.Figure("m", 200.0, 50.0, "MB", target=250.0).met is True


def test_the_table_has_one_row_per_figure_with_every_column():
    figures = [run.Figure("Cold start", 900.0, 200.0, "ms", 2.5, target_is_ratio=True,
                          baseline_name="bare window"),
               run.Figure("Search p95", 12.5, 1.5, "ms", 30.0),
               run.Figure("Demo", 3000.0, 6000.0, run.RATE)]
    lines = run.table(figures).splitlines()
    assert lines[0] == "| figure | ours | baseline | ratio | target | met? |"
    assert len(lines) == 2 + len(figures)
    assert lines[2].split(" | ")[1:] == ["900 ms", "200 ms (bare window)", "4.5×",
                                         "≤ 2.5× baseline", "**no** |"]
    assert "| yes |" in lines[3]
    assert lines[4].endswith("| — | — |")


def test_percentiles_are_nearest_rank_in_ms():
    samples = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert run._percentile(samples, 50) == pytest.approx(50.0)
    assert run._percentile(samples, 95) == pytest.approx(95.0)
    assert run._percentile([0.004], 95) == pytest.approx(4.0)


def test_the_search_baseline_replays_the_sql_the_app_sends(services):
    sql, params = run.search_statement(services, "Łukasz 50%")
    # On a file the search reads the trigram index joined to patients; the same LIKE
    # on the folded key decides either way.
    assert "patients.search_key" in sql and "ORDER BY" in sql
    # Positional on SQLite; named on a server, as psycopg is given them.
    values = tuple(params.values()) if isinstance(params, dict) else params
    assert "%lukasz%" in values and "%50\\%%" in values


def test_options_refuse_nonsense():
    with pytest.raises(SystemExit):
        run.parse(["--patients", "0"])
    args = run.parse(["--patients", "300", "--out", "x.md"])
    assert (args.patients, args.sessions_per_patient, args.repeat, args.queries,
            args.series) == (300, 10, 5, 100, 50)


@pytest.mark.slow
def test_every_figure_is_measured_on_a_tiny_clinic(tmp_path, qapp):
    """The whole runner once, tiny: the demo build and its Core copy, the series patient
    and its saves, the app and a bare window started as processes, typing into the real
    search field, clicking a patient, the documents, export and import."""
    options = run.Options(patients=12, sessions_per_patient=3, repeat=1, queries=6, series=3,
                          report_runs=1)
    figures, clinic, notes = run.run_all(tmp_path, options)

    # 15, and the panel's figure when a typed key changed the first match.
    assert len(figures) - any("panel follows" in f.name for f in figures) == 15
    for figure in figures:
        assert figure.ours > 0 and figure.baseline > 0, figure
    names = " ".join(f.name for f in figures)
    for word in ("Demo generation", "Cold start", "as the issue states it", "Sign-in", "p50",
                 "p95", "Open a patient",
                 "Save a full session", "Session report", "Patient summary",
                 "Peak memory", "Export", "Import"):
        assert word in names
    assert (clinic.patients, len(clinic.series_sessions)) == (14, 3)
    # The start-up figures would flatter a start that pulled in documents or migrations.
    assert notes[0].startswith("None of reportlab, alembic"), notes
    text = run.report_text(figures, clinic, options, "python -m tests.benchmarks.run", 1.0,
                           notes)
    assert run.table(figures) in text and notes[0] in text
    assert "14 patients" in text and "CPUs (nproc)" in text
