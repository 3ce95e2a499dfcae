"""The session report prints every step, every field and the sign-off; drafts say so."""

from __future__ import annotations

import dataclasses
from datetime import time

import pytest

from practitioner_app.domain.enums import DeviceType, Fitzpatrick, SessionStatus
from practitioner_app.domain.session import STEPS, Aftercare, Numbing, Sunscreen
from tests.factories import a_full_session, a_patient, with_zone
from tests.unit.test_reports_support import (
    all_text,
    header_fields,
    mark_text_fields,
    normalise,
    page_numbers,
    pages_text,
    rotated_text,
    session_report,
)

#: Everything a_full_session() holds, as the report prints it.
FULL_SESSION_FIELDS = [
    # session and practitioner
    "2026-11-20", "Dr Jane Roe", "Aesthetic nurse prescriber", "Status: Completed",
    # pre-treatment checks
    "Sun avoided (7 days) Yes", "Retinoids, acids paused Yes", "No waxing (5–7 days) Yes",
    "Skin clean, no make-up Yes", "Treatment consent Yes", "Photo consent Yes",
    "Baseline photos taken Yes", "Reviewed history", "09:00",
    # cleansing
    "Gentle foaming cleanser", "Chlorhexidine 0.05%", "09:05",
    # numbing
    "EMLA 5%", "EM2291", "Applied 09:10", "Removed 09:40", "Contact time 30 min",
    # device and cartridge
    "Device type Microneedling pen", "Make Dermapen", "Model 4", "DP4-00931",
    "Cartridge needles 16", "C-7731", "2027-06-30", "Single use confirmed Yes", "09:45",
    # zones
    "Forehead 0.50 3 8 Stamping 2 None Mild", "Note: Even",
    "Cheeks 1.50 4 10 Spiral 3 Scattered pinpoint Mild",
    # serum, sunscreen, aftercare
    "Hyaluronic acid 1%", "HA-5520", "2 ml", "10:05",
    "Mineral SPF 50", "SPF 50", "10:10",
    "Aftercare given Yes", "Next appointment 2026-12-18", "Standard sheet v1", "10:12",
    # outcome
    "Well tolerated", "Adverse events None", "Total time 75 min", "Good endpoint",
    # sign-off
    "Signature:", "Date:",
]


def test_every_entered_field_is_printed():
    text = all_text(session_report(a_patient(), a_full_session()))
    missing = [field for field in FULL_SESSION_FIELDS if field not in text]
    assert missing == []
    for field in header_fields(a_patient()) + [
            "Allergies Penicillin", "Medical history None relevant", "Medications None"]:
        assert field in text


@pytest.mark.parametrize(("numbing_used", "sunscreen_deferred", "hidden"), [
    (True, False, {"numbing.not_used_reason", "sunscreen.deferred_reason"}),
    (False, True, {"numbing.agent", "numbing.lot", "sunscreen.product"}),
])
def test_every_text_field_prints_literally(numbing_used, sunscreen_deferred, hidden):
    """Each free-text field of the session, filled with markup, comes out as typed."""
    session = a_full_session()
    session = dataclasses.replace(
        session, numbing=dataclasses.replace(session.numbing, used=numbing_used),
        sunscreen=dataclasses.replace(session.sunscreen, deferred=sunscreen_deferred))
    marked, tokens = mark_text_fields(session)
    patient, patient_tokens = mark_text_fields(a_patient(), prefix="p")
    text = all_text(session_report(patient, marked))
    expected = {path: token for path, token in tokens.items() if path not in hidden}
    expected |= {path: patient_tokens[path] for path in (
        "full_name", "number", "allergies", "medical_history", "medications")}
    assert [path for path, token in expected.items() if token not in text] == []
    assert {path for path in hidden if tokens[path] in text} == set()


def test_steps_print_in_procedure_order_with_their_times():
    text = all_text(session_report(a_patient(), a_full_session()))
    positions = [text.index(f"{n}. {heading}") for n, (_, heading) in enumerate(STEPS, 1)]
    assert positions == sorted(positions)
    assert "1. Pre-treatment checks 09:00" in text
    assert "4. Microneedling 09:45" in text


def test_unrecorded_values_print_as_a_dash_not_as_zero():
    session = a_full_session(numbing=Numbing(agent="Lidocaine 4%"))
    text = all_text(session_report(a_patient(), session))
    assert "Applied — Removed — Contact time —" in text


def test_numbing_not_used_prints_the_reason():
    session = a_full_session(numbing=Numbing(used=False, not_used_reason="Allergy to lidocaine"))
    text = all_text(session_report(a_patient(), session))
    assert "Numbing Not used Reason Allergy to lidocaine" in text


def test_deferred_sunscreen_prints_the_reason():
    session = a_full_session(sunscreen=Sunscreen(deferred=True, deferred_reason="RF protocol"))
    assert "Deferred to 24 h Reason RF protocol" in all_text(session_report(a_patient(), session))


def test_sunscreen_below_spf_30_is_flagged():
    session = a_full_session(sunscreen=Sunscreen(product="Day cream", spf=15))
    assert "15 (below the recommended 30)" in all_text(session_report(a_patient(), session))


def test_rf_columns_appear_only_when_a_zone_has_rf_values():
    plain = all_text(session_report(a_patient(), a_full_session()))
    assert "RF energy" not in plain
    rf = with_zone(a_full_session(), rf_energy="Level 4", rf_pulse_ms=150.0)
    rf = dataclasses.replace(rf, needling=dataclasses.replace(rf.needling,
                                                              device_type=DeviceType.RF))
    text = all_text(session_report(a_patient(), rf))
    assert "RF energy Pulse (ms)" in text
    assert "Level 4 150.0" in text


def test_missed_checks_print_no():
    session = a_full_session()
    checks = dataclasses.replace(session.pre_checks, photo_consent=False)
    text = all_text(session_report(a_patient(), dataclasses.replace(session, pre_checks=checks)))
    assert "Photo consent No" in text


def test_series_position_is_printed():
    text = all_text(session_report(a_patient(), a_full_session(),
                                   session_number=2, session_count=5))
    assert "Session 2 of 5" in text


@pytest.mark.parametrize("fitzpatrick", list(Fitzpatrick))
def test_fitzpatrick_type_is_printed_with_a_caution_for_iv_to_vi(fitzpatrick):
    text = all_text(session_report(a_patient(fitzpatrick=fitzpatrick), a_full_session()))
    assert normalise(fitzpatrick.label) in text
    assert ("post-inflammatory hyperpigmentation" in text) == fitzpatrick.needs_pih_caution


def _long_session(status: SessionStatus):
    session = a_full_session(status=status)
    notes = "\n".join(f"Observation {n}: skin settled, no further bleeding." for n in range(250))
    return dataclasses.replace(session, outcome=dataclasses.replace(session.outcome, notes=notes))


@pytest.mark.parametrize("status", list(SessionStatus))
def test_draft_says_draft_on_every_page_and_a_completed_record_nowhere(status):
    pdf = session_report(a_patient(), _long_session(status))
    pages = pages_text(pdf)
    assert len(pages) > 2
    is_draft = status is SessionStatus.DRAFT
    for text, angled in zip(pages, rotated_text(pdf), strict=True):
        assert ("DRAFT" in text) == is_draft
        assert ("DRAFT — not signed" in text) == is_draft  # in the header
        assert (angled == ["DRAFT"]) == is_draft  # the watermark


def test_a_multi_page_report_has_the_patient_header_and_page_numbers_on_every_page():
    pdf = session_report(a_patient(), _long_session(SessionStatus.COMPLETED))
    pages = pages_text(pdf)
    assert len(pages) > 2
    for text in pages:
        for field in header_fields(a_patient()):
            assert field in text
    assert [numbers[0][0] for numbers in page_numbers(pdf)] == list(range(1, len(pages) + 1))
    # The long notes are all there, across the pages.
    first = next(i for i, text in enumerate(pages) if "Observation 0:" in text)
    last = next(i for i, text in enumerate(pages) if "Observation 249:" in text)
    assert first < last  # the notes flow across pages, none lost


def test_next_appointment_absent_prints_a_dash():
    session = a_full_session(aftercare=Aftercare(given=True, done_at=time(10, 0)))
    assert "Next appointment —" in all_text(session_report(a_patient(), session))
