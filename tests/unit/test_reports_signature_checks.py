"""Documents that print a signed session say so on paper when its digest no longer holds,
and print an imported signature as imported, with where it came from."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.signing import ImportProvenance, make_signature
from practitioner_app.reporting import (
    AftercareSheetData,
    PatientSummaryData,
    SessionReportData,
    build_aftercare_sheet,
    build_patient_summary,
    build_session_report,
)
from tests.factories import a_full_session, a_patient
from tests.unit.test_reports_support import CLINIC, all_text, normalise

GENERATED = datetime(2026, 11, 24, 10, 30)
WARNING = ("WARNING: this signed record does not match its signature. It was changed after "
           "signing, outside this app. The mismatch has been recorded.")


def _signed(imported: ImportProvenance | None = None):
    patient = a_patient()
    session = a_full_session(status=SessionStatus.SIGNED)
    signature = make_signature(patient.number, session, username="colleague",
                               name="Dr Colleague Elsewhere", role="Dermatologist",
                               registration="GMC 7654321",
                               signed_at=datetime(2026, 11, 20, 16, 5))
    return patient, dataclasses.replace(
        session, signature=dataclasses.replace(signature, imported=imported))


def test_the_summary_prints_each_warning_on_its_first_page():
    patient, session = _signed()
    line = f"Session of 20 Nov 2026: {WARNING}"
    pdf = build_patient_summary(PatientSummaryData(CLINIC, patient, (session,), GENERATED,
                                                   integrity_warnings=(line,)))
    assert normalise(line) in normalise(all_text(pdf))
    clean = build_patient_summary(PatientSummaryData(CLINIC, patient, (session,), GENERATED))
    assert "WARNING" not in all_text(clean)


def test_the_aftercare_sheet_prints_the_warning():
    patient, session = _signed()
    pdf = build_aftercare_sheet(AftercareSheetData(CLINIC, patient, session, GENERATED,
                                                   integrity_warning=WARNING))
    assert normalise(WARNING) in normalise(all_text(pdf))


def test_an_imported_signature_prints_as_imported_with_its_provenance():
    provenance = ImportProvenance("file P000101.json", datetime(2026, 11, 23, 9, 15), "jroe")
    patient, session = _signed(provenance)
    report = normalise(all_text(build_session_report(
        SessionReportData(CLINIC, patient, session, GENERATED))))
    assert "Sign-off: imported signature" in report
    assert "signed electronically" not in report
    for text in ("Dr Colleague Elsewhere", "Imported from file P000101.json",
                 "Imported by jroe", "Imported at"):
        assert text in report
    summary = normalise(all_text(build_patient_summary(
        PatientSummaryData(CLINIC, patient, (session,), GENERATED))))
    assert "Imported signatures" in summary and "Signed (imported)" in summary
    assert "imported from file P000101.json" in summary and "by jroe" in summary


def test_a_signature_made_here_prints_as_signed_electronically():
    patient, session = _signed()
    report = normalise(all_text(build_session_report(
        SessionReportData(CLINIC, patient, session, GENERATED))))
    assert "Sign-off: signed electronically" in report
    assert "Imported" not in report
    summary = normalise(all_text(build_patient_summary(
        PatientSummaryData(CLINIC, patient, (session,), GENERATED))))
    assert "Imported signatures" not in summary and "(imported)" not in summary
