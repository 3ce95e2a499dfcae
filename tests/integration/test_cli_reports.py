"""`practitioner-app report ...`: PDFs from the command line, nothing written on error."""

from __future__ import annotations

import io

import pypdf
import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from practitioner_app.domain.clinic import ClinicProfile
from tests.factories import a_full_session, a_patient


@pytest.fixture
def recorded(services):
    services.clinic.save_profile(ClinicProfile(name="Harbour Skin Clinic"))
    patient = services.patients.register(a_patient())
    return services.sessions.save(patient.id, a_full_session())


@pytest.mark.parametrize("kind, target, expected", [
    ("session", "{sid}", "Treatment session record"),
    ("patient", "P000101", "Ana Martínez"),
    ("aftercare", "{sid}", "Call the clinic"),
])
def test_report_writes_a_pdf(database, tmp_path, recorded, capsys, kind, target, expected):
    out = tmp_path / f"{kind}.pdf"
    status = main(["--db", str(database), "report", kind,
                   target.format(sid=recorded.id), "-o", str(out)])
    assert status == EXIT_OK
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert expected in text and "Harbour Skin Clinic" in text
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("kind, target", [
    ("session", "999"), ("aftercare", "999"), ("patient", "P999999")])
def test_missing_record_exits_non_zero_and_writes_nothing(
        database, tmp_path, recorded, capsys, kind, target):
    out = tmp_path / "never.pdf"
    status = main(["--db", str(database), "report", kind, target, "-o", str(out)])
    assert status == EXIT_NOT_FOUND
    assert "error: No " in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob("*.pdf*"))


def test_session_id_must_be_a_number(db_path, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(db_path), "report", "session", "abc", "-o", str(tmp_path / "x.pdf")])
    assert exit_.value.code == EXIT_USAGE
    assert "must be a session id" in capsys.readouterr().err


def test_clinic_logo_must_be_a_png_of_bounded_size(services):
    from practitioner_app.domain.errors import ValidationError

    with pytest.raises(ValidationError, match="must be a PNG"):
        services.clinic.save_profile(ClinicProfile(name="X", logo_png=b"GIF89a..."))
    with pytest.raises(ValidationError, match="at most 1,000 kB"):
        services.clinic.save_profile(
            ClinicProfile(name="X", logo_png=b"\x89PNG\r\n\x1a\n" + bytes(1_000_001)))
    assert services.clinic.profile().logo_png == b""
