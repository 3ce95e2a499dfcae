"""The patient summary: every detail, every session in date order, the depth chart."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest

from practitioner_app.domain.enums import Concern, FacialZone, Fitzpatrick, SessionStatus
from practitioner_app.domain.session import ZoneTreatment
from practitioner_app.reporting.depth_chart import depth_series
from tests.factories import a_full_session, a_patient
from tests.unit.test_reports_support import (
    all_text,
    header_fields,
    mark_text_fields,
    normalise,
    page_numbers,
    pages_text,
    patient_summary,
)


def a_series(count: int) -> list:
    """`count` sessions four weeks apart, the cheeks going deeper as the series goes on."""
    sessions = []
    for n in range(count):
        session = a_full_session(session_date=date(2022, 1, 3) + timedelta(weeks=4 * n))
        forehead, cheeks = session.needling.zones
        cheeks = dataclasses.replace(cheeks, depth_mm=min(2.0, 0.5 + 0.25 * (n % 7)))
        needling = dataclasses.replace(session.needling, zones=(forehead, cheeks))
        sessions.append(dataclasses.replace(session, needling=needling))
    return sessions


def test_every_patient_detail_is_printed():
    patient = a_patient(concerns=frozenset({Concern.ACNE_SCARS, Concern.OTHER}),
                        concerns_other="Melasma on the upper lip")
    text = all_text(patient_summary(patient, a_full_session()))
    for expected in [
        "Ana Martínez", "P000101", "1985-04-12 (age 41)", "Female", "+44 20 7946 0001",
        "ana@example.org", "1 High Street London", normalise(Fitzpatrick.III.label),
        "Acne scars, Other: Melasma on the upper lip", "None relevant", "Medications None",
        "Penicillin", "Smoother cheeks", "Rolling scars, cheeks", "3 sessions, 4 weeks apart",
    ]:
        assert expected in text


def test_every_patient_text_field_prints_literally():
    patient, tokens = mark_text_fields(a_patient())
    session, session_tokens = mark_text_fields(a_full_session())
    text = all_text(patient_summary(patient, session))
    assert [path for path, token in tokens.items() if token not in text] == []
    for path in ("practitioner_name", "serum.product", "needling.device_make",
                 "needling.device_model"):
        assert session_tokens[path] in text


def test_each_session_is_a_table_row():
    text = all_text(patient_summary(a_patient(), a_full_session()))
    assert ("1 2026-11-20 Microneedling pen Dermapen 4 Forehead, Cheeks 1.50 "
            "Hyaluronic acid 1% Dr Jane Roe Completed") in text


def test_sessions_print_oldest_first_whatever_the_order_given():
    sessions = a_series(5)
    text = all_text(patient_summary(a_patient(), *reversed(sessions)))
    rows = re.findall(r"(\d+) (\d{4}-\d\d-\d\d) Microneedling pen", text)
    assert rows == [(str(n), s.session_date.isoformat()) for n, s in enumerate(sessions, 1)]


def test_a_long_series_repeats_the_header_row_and_patient_line_on_every_page():
    pdf = patient_summary(a_patient(), *a_series(60))
    pages = pages_text(pdf)
    assert len(pages) >= 3
    for text in pages:
        for field in header_fields(a_patient()):
            assert field in text
    table_pages = [text for text in pages if re.search(r"\d{4}-\d\d-\d\d Microneedling pen", text)]
    assert len(table_pages) >= 2
    for text in table_pages:
        assert "# Date Device Zones Deepest (mm) Serum Practitioner Status" in text
    numbers = page_numbers(pdf)
    assert numbers == [[(n, len(pages))] for n in range(1, len(pages) + 1)]
    assert "60 2026-" in pages[-1] or "60 2026-" in pages[-2]


def test_no_sessions_is_said_plainly():
    text = all_text(patient_summary(a_patient()))
    assert "0 sessions" in text and "No sessions recorded." in text
    assert "Needle depth per zone" not in text


@pytest.mark.parametrize("fitzpatrick", [Fitzpatrick.II, Fitzpatrick.VI])
def test_caution_for_types_iv_to_vi(fitzpatrick):
    text = all_text(patient_summary(a_patient(fitzpatrick=fitzpatrick), a_full_session()))
    assert ("post-inflammatory hyperpigmentation" in text) == fitzpatrick.needs_pih_caution


def test_the_chart_has_axis_titles_dates_and_a_legend_entry_per_zone():
    text = all_text(patient_summary(a_patient(), *a_series(3)))
    assert "Needle depth per zone" in text
    assert "Needle depth (mm)" in text and "Session date" in text
    assert "2022-01-03" in text
    # Once per table row, plus once in the legend.
    assert text.count("Forehead") == text.count("Cheeks") == 3 + 1


def test_depth_series_takes_the_deepest_row_per_zone_and_session():
    first = a_full_session(session_date=date(2026, 1, 5))
    repeated = dataclasses.replace(first.needling, zones=(
        ZoneTreatment(FacialZone.NECK, 0.5, 2), ZoneTreatment(FacialZone.NECK, 0.75, 1),
        ZoneTreatment(FacialZone.FOREHEAD, 0.25, 2),
    ))
    second = dataclasses.replace(first, session_date=date(2026, 2, 2),
                                 needling=repeated)
    series = depth_series([first, second])
    assert [zone for zone, _ in series] == [
        FacialZone.FOREHEAD, FacialZone.CHEEKS, FacialZone.NECK]
    assert dict(series)[FacialZone.NECK] == [(date(2026, 2, 2), 0.75)]
    assert dict(series)[FacialZone.FOREHEAD] == [(date(2026, 1, 5), 0.5),
                                                 (date(2026, 2, 2), 0.25)]


def test_a_summary_is_never_marked_draft_as_a_whole():
    text = all_text(patient_summary(a_patient(), a_full_session(status=SessionStatus.DRAFT)))
    assert "DRAFT" not in text
    assert "Draft" in text  # the session's own status, in its row
