"""Every document prints whatever the rules accept: a free-text field at its limit (a page
or more of words, an unbroken 5,000-character string, 300 short lines) prints in full
across pages instead of failing with ReportLab's LayoutError, which would leave a signed
(uneditable) record unprintable. Read back with pypdf."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime

import pytest

from practitioner_app.cli import EXIT_OK
from practitioner_app.domain import guidance as g
from practitioner_app.domain.signing import Addendum, Consent
from tests.cli_helpers import cli
from tests.factories import a_full_session, a_patient, with_zone
from tests.unit.test_reports_support import CLINIC, DOCUMENTS, pages_text

WORDS = ("Erythema settled within the hour; patient comfortable throughout. " * 400)[
    :g.LONG_TEXT_MAX]
UNBROKEN = "W" * 5000
LINES = "\n".join(f"row{n:03d} ok" for n in range(300))
TEXTS = {"words": WORDS, "unbroken": UNBROKEN, "lines": LINES}


def printed_in_full(pdf: bytes, text: str) -> bool:
    """True when the text layer holds all of `text` (as far as one can count it)."""
    pages = pages_text(pdf)
    joined = "".join(pages)
    if text is UNBROKEN:
        # Runs of W are interrupted by each page's header, so count them.
        return joined.count("W") >= len(text)
    if text is LINES:
        return set(re.findall(r"row\d{3}", joined)) == {f"row{n:03d}" for n in range(300)}
    return joined.count("comfortable") >= text.count("comfortable")


def _session(**changes):
    return dataclasses.replace(a_full_session(), **changes)


def _step(name: str, **changes):
    session = a_full_session()
    return dataclasses.replace(session, **{
        name: dataclasses.replace(getattr(session, name), **changes)})


def _screen(**changes):
    session = a_full_session()
    first = dataclasses.replace(session.screen[0], **changes)
    return dataclasses.replace(session, screen=(first, *session.screen[1:]))


#: Each long free-text field of a session that a document prints, set to `text` (only the
#: session report prints them; the summary and the aftercare sheet print short fields).
SESSION_FIELDS = {
    "zone note": lambda text: with_zone(a_full_session(), note=text),
    "screen note": lambda text: _screen(note=text),
    "screen override reason": lambda text: _screen(present=True, override_reason=text),
    "pre-treatment note": lambda text: _step("pre_checks", note=text),
    "numbing not used reason": lambda text: _step("numbing", used=False, not_used_reason=text),
    "sunscreen deferred reason": lambda text: _step("sunscreen", deferred=True,
                                                    deferred_reason=text),
    "aftercare instructions": lambda text: _step("aftercare", instructions=text),
    "adverse events": lambda text: _step("outcome", adverse_events=text),
    "outcome notes": lambda text: _step("outcome", notes=text),
    "early session reason": lambda text: _session(interval_override_reason=text),
    "expired lot reason": lambda text: _session(expired_lot_reason=text),
    "addendum text": lambda text: _session(addenda=(Addendum(
        "jroe", "Dr Jane Roe", datetime(2026, 11, 21, 9, 0), "Correction", text),)),
    "addendum reason": lambda text: _session(addenda=(Addendum(
        "jroe", "Dr Jane Roe", datetime(2026, 11, 21, 9, 0), text, "Corrected"),)),
}

#: Each long free-text field of a patient and the documents that print it.
PATIENT_FIELDS = {
    "allergies": ("session_report", "patient_summary"),
    "medical_history": ("session_report", "patient_summary"),
    "medications": ("session_report", "patient_summary"),
    "goals": ("patient_summary",),
    "assessment": ("patient_summary",),
    "plan": ("patient_summary",),
    "archive_reason": ("patient_summary",),
}

texts = pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())


@texts
@pytest.mark.parametrize("field", SESSION_FIELDS)
def test_session_report_prints_a_long_session_field_in_full(field, text):
    pdf = DOCUMENTS["session_report"](a_patient(), SESSION_FIELDS[field](text))
    assert len(pages_text(pdf)) > 1
    assert printed_in_full(pdf, text)


@texts
@pytest.mark.parametrize(("field", "document"), [
    (field, document) for field, documents in PATIENT_FIELDS.items() for document in documents])
def test_a_long_patient_field_prints_in_full(field, document, text):
    pdf = DOCUMENTS[document](a_patient(**{field: text}), a_full_session())
    assert printed_in_full(pdf, text)


@texts
def test_a_long_clinic_aftercare_text_prints_in_full(text):
    clinic = dataclasses.replace(CLINIC, aftercare_text=text)
    pdf = DOCUMENTS["aftercare_sheet"](a_patient(), a_full_session(), clinic=clinic)
    assert printed_in_full(pdf, text)


@texts
@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_long_clinic_address_still_prints(document, text):
    """The letterhead shortens what does not fit its line; the document still prints."""
    clinic = dataclasses.replace(CLINIC, address=text)
    pdf = DOCUMENTS[document](a_patient(), a_full_session(), clinic=clinic)
    assert "Bright Skin Clinic" in pages_text(pdf)[0]


def test_a_signed_session_with_page_long_notes_prints_from_the_command_line(
        services, database, tmp_path, capsys, monkeypatch):
    """The reported case: a signed record (which can no longer be edited) holding a page
    of zone note and of screen note; `report session` failed with LayoutError."""
    password = "correct horse battery"
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", password)
    patient = services.patients.register(a_patient())
    services.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1), "Sam"))
    session = with_zone(a_full_session(), note=WORDS)
    first = dataclasses.replace(session.screen[0], note=UNBROKEN)
    session = dataclasses.replace(session, screen=(first, *session.screen[1:]))
    saved = services.sessions.save(patient.id, session)
    services.sessions.sign(saved.id, password)
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", password)
    out = tmp_path / "signed.pdf"
    status, _out, err = cli(capsys, database, "--user", "jroe", "report", "session",
                            str(saved.id), "-o", str(out))
    assert status == EXIT_OK, err
    pdf = out.read_bytes()
    assert printed_in_full(pdf, WORDS) and printed_in_full(pdf, UNBROKEN)
