"""The documents read well in clinical use: the sign-off of a signed record is its
signature, in one place; tables start where there is room and never leave a page with
only their last row or two; depths read one way; no word is split; the patient's sheet
reads as written for the patient; the summary says where consent stands. PDFs are read
back (text per page, metadata) with pypdf."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader

from practitioner_app.domain.clinic import DEFAULT_AFTERCARE, ClinicProfile
from practitioner_app.domain.enums import FacialZone, SessionStatus
from practitioner_app.domain.session import ZoneTreatment
from practitioner_app.domain.signing import Consent, make_signature
from practitioner_app.reporting import (
    PatientSummaryData,
    SessionReportData,
    build_patient_summary,
    build_session_report,
)
from tests.factories import a_full_session, a_patient
from tests.unit.test_reports_support import (
    CLINIC,
    GENERATED_AT,
    aftercare_sheet,
    all_text,
    pages_text,
    session_report,
)

PASSWORD = "correct horse battery"
_ROW = re.compile(r"\b\d{4}-\d\d-\d\d Microneedling pen")


def _signed_session():
    session = a_full_session(status=SessionStatus.SIGNED)
    signature = make_signature(a_patient().number, session, username="jroe",
                               name="Dr Jane Roe", role="Aesthetic nurse prescriber",
                               registration="NMC 12A3456B",
                               signed_at=datetime(2026, 11, 20, 10, 30))
    return dataclasses.replace(session, signature=signature)


def _summary(sessions, patient=None, **data) -> bytes:
    return build_patient_summary(PatientSummaryData(
        CLINIC, patient or a_patient(), tuple(sessions), GENERATED_AT, **data))


def _series(count: int, *, zones: bool = True, **needling):
    sessions = []
    for n in range(count):
        session = a_full_session(session_date=date(2022, 1, 3) + timedelta(weeks=4 * n))
        changes = dict(needling) if zones else dict(needling, zones=())
        sessions.append(dataclasses.replace(
            session, needling=dataclasses.replace(session.needling, **changes)))
    return sessions


# Session report -----------------------------------------------------------------------

def test_a_signed_record_signs_off_with_its_signature_all_on_one_page():
    session = _signed_session()
    pages = pages_text(session_report(a_patient(), session))
    sign_off = [page for page in pages if "Sign-off" in page]
    assert len(sign_off) == 1
    for expected in ("Signed by Dr Jane Roe", "Registration NMC 12A3456B",
                     "Signed at 2026-11-20 10:30", f"SHA-256 {session.signature.digest}"):
        assert expected in sign_off[0]
    # No blank lines to sign by hand beside an electronic signature.
    assert not any("Signature:" in page or "Date:" in page for page in pages)


def test_a_record_signed_by_someone_else_still_names_its_practitioner():
    session = _signed_session()
    session = dataclasses.replace(session, signature=dataclasses.replace(
        session.signature, signer_name="Ann Nurse", signer_role="Nurse",
        signer_registration="NMC 99Z"))
    text = all_text(session_report(a_patient(), session))
    assert ("Practitioner Dr Jane Roe Role Aesthetic nurse prescriber Signed by Ann Nurse "
            "Role Nurse Registration NMC 99Z") in text


def test_an_unsigned_record_gives_the_registration_number_beside_the_lines_to_sign():
    text = all_text(build_session_report(SessionReportData(
        CLINIC, a_patient(), a_full_session(), GENERATED_AT,
        practitioner_registration="NMC 12A3456B")))
    assert ("Practitioner Dr Jane Roe Role Aesthetic nurse prescriber "
            "Registration NMC 12A3456B") in text
    assert "Signature:" in text and "Date:" in text


def test_the_contraindication_table_starts_on_page_one_when_there_is_room():
    """A long allergy list pushed the heading and the whole table to page 2, leaving page
    1 half empty; now the table starts below the opening and continues overleaf."""
    allergies = "\n".join(f"Allergen {n}: hives" for n in range(30))
    pages = pages_text(session_report(a_patient(allergies=allergies), a_full_session()))
    assert "Contraindication screen" in pages[0]
    assert "Active skin infection or cold sore in the area" in pages[0]


def test_history_and_medications_print_with_the_allergies():
    patient = a_patient(medical_history="Hypothyroidism", medications="Levothyroxine 50 µg")
    text = all_text(session_report(patient, a_full_session()))
    assert ("Allergies Penicillin Medical history Hypothyroidism "
            "Medications Levothyroxine 50 µg") in text


def test_every_depth_prints_with_two_decimals():
    session = a_full_session()
    zones = (ZoneTreatment(FacialZone.FOREHEAD, 1.25, 2), ZoneTreatment(FacialZone.CHEEKS, 0.5, 2),
             ZoneTreatment(FacialZone.CHIN_JAW, 1.5, 2))
    session = dataclasses.replace(session, needling=dataclasses.replace(
        session.needling, zones=zones))
    report = all_text(session_report(a_patient(), session))
    assert "Forehead 1.25 2" in report
    assert "Cheeks 0.50 2" in report
    assert "Chin / jaw 1.50 2" in report
    summary = all_text(_summary([session]))
    assert "1.50" in summary and not re.search(r"\b1\.5\b(?!0)", summary)
    assert "up to 1.50 mm deep" in all_text(aftercare_sheet(a_patient(), session))


@pytest.mark.parametrize("build", [
    lambda: session_report(a_patient(), a_full_session()),
    lambda: _summary([a_full_session()]),
    lambda: aftercare_sheet(a_patient(), a_full_session()),
], ids=["session_report", "patient_summary", "aftercare_sheet"])
def test_the_pdf_says_when_it_was_made_not_2000(build):
    info = PdfReader(io.BytesIO(build())).metadata
    assert info["/CreationDate"] == "D:20261124103000"  # GENERATED_AT, as in the footer
    assert info["/ModDate"] == "D:20261124103000"


# Aftercare sheet ----------------------------------------------------------------------

def test_the_serum_is_named_without_a_capital_mid_sentence():
    session = a_full_session()
    session = dataclasses.replace(session, serum=dataclasses.replace(
        session.serum, product="Sterile hyaluronic acid 1%"))
    text = all_text(aftercare_sheet(a_patient(), session))
    assert "Afterwards we applied a serum (Sterile hyaluronic acid 1%)." in text
    assert "applied Sterile" not in text


def test_when_to_call_is_said_once():
    text = all_text(aftercare_sheet(a_patient(), a_full_session()))
    assert DEFAULT_AFTERCARE.count("Call the clinic if") == 1
    assert text.count("Call the clinic if") == 1
    assert text.count("infection") == 1


def test_a_clinic_text_without_the_warning_signs_gets_them_from_the_sheet():
    clinic = dataclasses.replace(CLINIC, aftercare_text="Tonight\n- Sleep on a clean pillow.")
    text = all_text(aftercare_sheet(a_patient(), a_full_session(), clinic=clinic))
    assert "Call us straight away if you see signs of infection" in text


def test_the_sheet_gives_the_phone_for_out_of_hours():
    text = all_text(aftercare_sheet(a_patient(), a_full_session()))
    assert "To reach Bright Skin Clinic, call +44 20 7946 0000" in text
    assert "Out of hours, call +44 20 7946 0000." in text


@pytest.mark.parametrize("clinic", [ClinicProfile(name=""), ClinicProfile(name="Quiet Clinic")],
                         ids=["no name", "no phone or email"])
def test_a_clinic_without_a_phone_leaves_no_gap_in_a_sentence(clinic):
    text = all_text(aftercare_sheet(a_patient(), a_full_session(), clinic=clinic))
    assert " ." not in text.replace("…", "")
    assert "To reach " in text
    assert "In an emergency, call your local emergency number." in text


def test_the_clinicians_note_is_not_printed_for_the_patient():
    session = a_full_session()
    session = dataclasses.replace(session, aftercare=dataclasses.replace(
        session.aftercare, instructions="Standard sheet v1; pt anxious, query cost"))
    text = all_text(aftercare_sheet(a_patient(), session))
    assert "anxious" not in text and "Standard sheet v1" not in text
    assert "Notes from your practitioner" not in text


# Patient summary ----------------------------------------------------------------------

def test_the_sessions_table_follows_the_details_and_the_chart_comes_after():
    """The table sat alone on a nearly empty page 2 (the chart before it took page 1's
    room); the record's table now comes first, the chart after it."""
    patient = a_patient(goals="Smoother cheeks and fewer visible scars\n" * 6)
    pages = pages_text(_summary(_series(5), patient=patient))
    assert "Sessions #" in pages[0]
    assert len(_ROW.findall(pages[0])) == 5
    text = " ".join(pages)
    assert text.index("Sessions #") < text.index("Needle depth per zone")


@pytest.mark.parametrize("count", [14, 20, 27, 28, 39])
def test_no_page_holds_only_the_last_row_or_two_of_the_table(count):
    """Without zones there is no chart after the table. The table starts on page 1 (14
    to 26 sessions went whole to page 2), and one spilling over leaves at least three
    rows on the later page (27 and 28 sessions left one and two)."""
    pages = pages_text(_summary(_series(count, zones=False)))
    rows = [len(_ROW.findall(page)) for page in pages]
    assert sum(rows) == count
    assert rows[0] >= 3, rows
    for later in rows[1:]:
        assert later == 0 or later >= 3, rows


def test_a_word_is_never_split_in_a_narrow_column():
    sessions = _series(2)
    sessions = [dataclasses.replace(s, serum=dataclasses.replace(
        s.serum, product="Sterile crosslinked-hyaluronic acid")) for s in sessions]
    text = all_text(_summary(sessions))
    assert text.count("crosslinked-hyaluronic") == 2


def test_the_device_make_is_named_once_when_the_model_repeats_it():
    text = all_text(_summary(_series(1, device_make="Dermapen", device_model="Dermapen 4")))
    assert "Microneedling pen Dermapen 4" in text
    assert "Dermapen Dermapen" not in text


def test_the_summary_gives_the_consent_status():
    consents = (Consent("treatment", "2", date(2026, 10, 1), "Sam Witness"),
                Consent("photo", "2", date(2026, 10, 1), "Sam Witness"))
    text = all_text(_summary([a_full_session()], consents=consents, consent_version="2"))
    assert ("Treatment consent Given 2026-10-01 on consent text version 2, witnessed by "
            "Sam Witness Photo consent Given 2026-10-01") in text
    old = all_text(_summary([a_full_session()], consents=consents[:1], consent_version="3"))
    assert "Not on the current text (version 3): to be renewed" in old
    assert "Photo consent Not recorded" in old
    none = all_text(_summary([a_full_session()]))
    assert "Treatment consent Not recorded" in none


# Through the services, on a real database ------------------------------------------------

@pytest.fixture
def clinic(services):
    services.accounts.create_first_admin(
        "jroe", "Dr Jane Roe", "Aesthetic nurse prescriber", "NMC 12A3456B", PASSWORD)
    return services


def test_the_app_prints_the_registration_and_the_consent_it_holds(clinic):
    patient = clinic.patients.register(a_patient())
    clinic.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1),
                                               "Sam Witness"))
    session = clinic.sessions.save(patient.id, a_full_session())
    report = all_text(clinic.reports.session_report(session.id))
    assert "Registration NMC 12A3456B" in report
    summary = all_text(clinic.reports.patient_summary(patient.id))
    assert ("Treatment consent Given 2026-11-01 on consent text version 1, witnessed by "
            "Sam Witness") in summary
    clinic.sessions.sign(session.id, PASSWORD)
    signed = pages_text(clinic.reports.session_report(session.id))
    assert not any("Signature:" in page for page in signed)
    assert any("Sign-off: signed electronically" in page and "NMC 12A3456B" in page
               for page in signed)
