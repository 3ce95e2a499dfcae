"""The aftercare sheet: the clinic's own text, what was done, when to call, what's next."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from practitioner_app.domain.clinic import DEFAULT_AFTERCARE, ClinicProfile
from practitioner_app.domain.enums import DeviceType, FacialZone, SessionStatus
from practitioner_app.domain.session import Aftercare, ZoneTreatment
from practitioner_app.reporting.aftercare_sheet import treatment_sentences
from tests.factories import a_full_session, a_patient
from tests.unit.test_reports_support import CLINIC, aftercare_sheet, all_text, normalise

CUSTOM_TEXT = """Tonight
- Sleep on a clean pillowcase.
- No alcohol-based toners.

Please read the leaflet in your bag.

Questions
- Ask us any time."""


@pytest.mark.parametrize("clinic_text", [DEFAULT_AFTERCARE, CUSTOM_TEXT],
                         ids=["default", "custom"])
def test_every_line_of_the_clinic_text_is_printed(clinic_text):
    clinic = dataclasses.replace(CLINIC, aftercare_text=clinic_text)
    text = all_text(aftercare_sheet(a_patient(), a_full_session(), clinic=clinic))
    for line in clinic_text.splitlines():
        if line.strip():
            assert normalise(line.removeprefix("- ")) in text


def test_bullets_print_as_bullets_and_headings_without_dashes():
    clinic = dataclasses.replace(CLINIC, aftercare_text=CUSTOM_TEXT)
    text = all_text(aftercare_sheet(a_patient(), a_full_session(), clinic=clinic))
    assert "Tonight • Sleep on a clean pillowcase. • No alcohol-based toners." in text
    assert "- Sleep" not in text


def test_default_aftercare_has_the_four_sections():
    headings = [line for line in DEFAULT_AFTERCARE.split("\n\n")]
    assert [block.splitlines()[0] for block in headings] == [
        "First 24–48 hours", "Days 2–7", "What to expect", "Call the clinic if"]


def test_the_sheet_says_what_was_done_the_next_appointment_and_the_phone():
    text = all_text(aftercare_sheet(a_patient(), a_full_session()))
    assert ("On Friday 20 November 2026 you had microneedling of the forehead and cheeks "
            "with a microneedling pen, up to 1.50 mm deep.") in text
    assert "Your next appointment: Friday 18 December 2026" in text
    assert "To reach Bright Skin Clinic, call +44 20 7946 0000" in text
    assert "Ana Martínez" in text


def test_without_a_booking_the_sheet_asks_the_patient_to_book():
    session = a_full_session(aftercare=Aftercare(given=True))
    text = all_text(aftercare_sheet(a_patient(), session))
    assert "Please contact the clinic to book your next appointment." in text


def test_without_a_phone_the_sheet_gives_the_email():
    clinic = ClinicProfile(name="Quiet Clinic", email="desk@quiet.example")
    text = all_text(aftercare_sheet(a_patient(), a_full_session(), clinic=clinic))
    assert "To reach Quiet Clinic, email desk@quiet.example." in text


def test_a_draft_session_still_gives_an_unmarked_patient_copy():
    text = all_text(aftercare_sheet(a_patient(), a_full_session(status=SessionStatus.DRAFT)))
    assert "DRAFT" not in text


@pytest.mark.parametrize(("zones", "device", "expected"), [
    ((), None, "On Friday 20 November 2026 you had microneedling."),
    ((ZoneTreatment(FacialZone.NECK, 0.5, 2),), DeviceType.DERMAROLLER,
     "On Friday 20 November 2026 you had microneedling of the neck with a dermaroller, "
     "up to 0.50 mm deep."),
    ((ZoneTreatment(FacialZone.PERIORBITAL, 0.25, 2), ZoneTreatment(FacialZone.NOSE, 0.5, 2),
      ZoneTreatment(FacialZone.PERIORBITAL, 0.3, 1)), DeviceType.RF,
     "On Friday 20 November 2026 you had microneedling of the skin around the eyes and nose "
     "with a radiofrequency microneedling device, up to 0.50 mm deep."),
])
def test_treatment_in_plain_words(zones, device, expected):
    session = a_full_session(session_date=date(2026, 11, 20))
    needling = dataclasses.replace(session.needling, zones=zones, device_type=device)
    assert treatment_sentences(dataclasses.replace(session, needling=needling))[0] == expected
