"""How long the reports take to build, beside a bare ReportLab document of the same size.

Run from the project root:

    .venv/bin/python -m tests.benchmarks.bench_reports

Prints one table: median build time of ours and of the baseline (a plain SimpleDocTemplate
with built-in Helvetica, one table with the same number of rows, padded with page breaks
to the same page count), their ratio, and the target. Exits 1 if a target is missed.
Named bench_*.py so pytest does not collect it.
"""

from __future__ import annotations

import dataclasses
import io
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from pypdf import PdfReader

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.enums import FacialZone
from practitioner_app.reporting import (
    PatientSummaryData,
    SessionReportData,
    build_patient_summary,
    build_session_report,
)
from tests.factories import a_full_session, a_patient

RUNS = 15
GENERATED_AT = datetime(2026, 11, 24, 10, 30)
CLINIC = ClinicProfile("Bright Skin Clinic", "12 Harley Street\nLondon W1G 9PF",
                       "+44 20 7946 0000", "hello@brightskin.example")


def median_ms(build: Callable[[], bytes], runs: int = RUNS) -> float:
    """Median wall time of `build` in ms, after one warm-up (font loading, imports)."""
    build()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        build()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_document(pages: int, rows: int, columns: int) -> Callable[[], bytes]:
    """A builder of a plain ReportLab PDF: one `rows` x `columns` table, then page breaks
    up to `pages` pages (worked out here, once, so the timed build is a single pass)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Table

    def build(breaks: int) -> bytes:
        buffer = io.BytesIO()
        table = Table([[f"r{r}c{c}" for c in range(columns)] for r in range(rows + 1)],
                      repeatRows=1)
        SimpleDocTemplate(buffer, pagesize=A4, invariant=1).build(
            [table, *[PageBreak() for _ in range(breaks)]])
        return buffer.getvalue()

    breaks = max(0, pages - page_count(build(0)))
    return lambda: build(breaks)


def a_series(count: int) -> tuple:
    sessions = []
    for n in range(count):
        session = a_full_session(session_date=date(2022, 1, 3) + timedelta(weeks=4 * n))
        forehead, cheeks = session.needling.zones
        extra = dataclasses.replace(cheeks, zone=FacialZone.CHIN_JAW,
                                    depth_mm=0.5 + 0.25 * (n % 4))
        needling = dataclasses.replace(session.needling, zones=(forehead, cheeks, extra))
        sessions.append(dataclasses.replace(session, needling=needling))
    return tuple(sessions)


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> int:
    session_data = SessionReportData(CLINIC, a_patient(), a_full_session(), GENERATED_AT)
    sessions = a_series(50)
    summary_data = PatientSummaryData(CLINIC, a_patient(), sessions, GENERATED_AT)
    cases = [
        # (name, build, target ms, table rows, table columns)
        ("session report (1 session)", lambda: build_session_report(session_data), 50.0,
         len(session_data.session.needling.zones), 8),
        ("patient summary (50 sessions)", lambda: build_patient_summary(summary_data), 500.0,
         len(sessions), 8),
    ]
    print(f"{'document':32} {'pages':>5} {'ours ms':>9} {'bare ms':>9} {'ratio':>6} "
          f"{'target ms':>9}  result")
    failed = False
    for name, build, target, rows, columns in cases:
        pages = page_count(build())
        ours = median_ms(build)
        bare = median_ms(bare_document(pages, rows, columns))
        ok = ours <= target
        failed |= not ok
        print(f"{name:32} {pages:>5} {ours:>9.1f} {bare:>9.1f} {ours / bare:>6.1f} "
              f"{target:>9.0f}  {'ok' if ok else 'MISSED'}")
    print(f"(median of {RUNS} runs after one warm-up; bare = SimpleDocTemplate, Helvetica, "
          "same pages and table rows)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
