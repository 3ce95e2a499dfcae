"""The aftercare sheet gives the time of the next appointment and the clinic's
out-of-hours number; a session without a time reads, exports and signs as before."""

from __future__ import annotations

import dataclasses
from datetime import date, time

from practitioner_app.domain.codec import from_plain, to_plain
from practitioner_app.domain.session import Aftercare, TreatmentSession
from practitioner_app.domain.signing import canonical_bytes
from practitioner_app.domain.validation import validate_session
from tests.factories import a_full_session, a_patient
from tests.unit.test_reports_support import CLINIC, aftercare_sheet, all_text, session_report


def _booked(at: time | None) -> TreatmentSession:
    return a_full_session(aftercare=Aftercare(
        given=True, instructions="Sheet v1", next_appointment=date(2026, 12, 18),
        next_appointment_time=at))


def test_the_aftercare_sheet_gives_the_appointment_time_and_out_of_hours_number():
    clinic = dataclasses.replace(CLINIC, out_of_hours_phone="07700 900123")
    text = all_text(aftercare_sheet(a_patient(), _booked(time(10, 30)), clinic))
    assert "Your next appointment: Friday 18 December 2026 at 10:30" in text
    assert "Out of hours, call 07700 900123." in text
    assert "Out of hours, call +44 20 7946 0000" not in text


def test_without_them_the_sheet_reads_as_before():
    text = all_text(aftercare_sheet(a_patient(), _booked(None)))
    assert "Your next appointment: Friday 18 December 2026" in text
    assert "Friday 18 December 2026 at" not in text
    assert "Out of hours, call +44 20 7946 0000." in text


def test_the_session_report_gives_the_appointment_time():
    assert "2026-12-18 at 10:30" in all_text(session_report(a_patient(), _booked(time(10, 30))))


def test_a_time_without_a_date_is_refused_naming_the_field():
    session = a_full_session(aftercare=Aftercare(given=True, next_appointment_time=time(9, 0)))
    problems = [p for p in validate_session(session) if p.path.startswith("aftercare")]
    assert [p.path for p in problems] == ["aftercare.next_appointment_time"]
    assert "Next appointment time" in problems[0].message


def test_an_older_export_without_the_time_still_imports():
    plain = to_plain(_booked(None))
    del plain["aftercare"]["next_appointment_time"]
    session, problems = from_plain(TreatmentSession, plain)
    assert problems == []
    assert session.aftercare.next_appointment == date(2026, 12, 18)
    assert session.aftercare.next_appointment_time is None


def test_the_time_is_exported_and_imported():
    plain = to_plain(_booked(time(10, 30)))
    session, problems = from_plain(TreatmentSession, plain)
    assert problems == [] and session.aftercare.next_appointment_time == time(10, 30)


def test_a_session_without_a_time_signs_the_same_bytes_as_before():
    session = _booked(None)
    assert b"next_appointment_time" not in canonical_bytes("P000001", session)
    assert b'"next_appointment_time":"10:30' in canonical_bytes(
        "P000001", _booked(time(10, 30)))
