"""Helpers the report tests share: example data and reading PDFs back with pypdf.

Holds no tests. Everything is read from the PDF itself (text layer, font resources,
text positions), never from Debian tools, so the tests run wherever pypdf does.
"""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.patient import Patient
from practitioner_app.reporting.fonts import BOLD, REGULAR, register_fonts
from practitioner_app.reporting.layout import MARGIN_LEFT, MARGIN_RIGHT, PAGE_WIDTH

GENERATED_AT = datetime(2026, 11, 24, 10, 30)
CLINIC = ClinicProfile(
    name="Bright Skin Clinic", address="12 Harley Street\nLondon W1G 9PF",
    phone="+44 20 7946 0000", email="hello@brightskin.example",
)


def normalise(text: str) -> str:
    """Whitespace collapsed: line wrapping is layout, not content."""
    return " ".join(text.split())


def pages_text(pdf: bytes) -> list[str]:
    return [normalise(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


def header_fields(patient: Patient) -> list[str]:
    """What the patient line of a clinical record must show on every page."""
    return [normalise(patient.full_name), patient.number, patient.date_of_birth.isoformat()]


def page_numbers(pdf: bytes) -> list[list[tuple[int, int]]]:
    """Per page, every "Page X of Y" found on it."""
    return [[(int(x), int(y)) for x, y in re.findall(r"Page (\d+) of (\d+)", text)]
            for text in pages_text(pdf)]


def _resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def fonts(pdf: bytes) -> list[tuple[str, bool]]:
    """Every font resource on every page and in every form: (base name, has FontFile2)."""
    found: list[tuple[str, bool]] = []

    def visit(resources: DictionaryObject | None) -> None:
        resources = _resolve(resources) or {}
        for font in (_resolve(resources.get("/Font")) or {}).values():
            font = _resolve(font)
            descriptor = _resolve(font.get("/FontDescriptor")) or {}
            found.append((str(font.get("/BaseFont")), "/FontFile2" in descriptor))
        for xobject in (_resolve(resources.get("/XObject")) or {}).values():
            visit(_resolve(xobject).get("/Resources"))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        visit(page.get("/Resources"))
    return found


@dataclass(frozen=True)
class PlacedText:
    text: str
    left: float
    right: float


def placed_text(pdf: bytes, contains: str) -> list[PlacedText]:
    """Horizontal extent of each upright text run containing `contains`, in points.

    A run is one line of a paragraph or cell, measured in the font it was set in.
    """
    register_fonts()
    from reportlab.pdfbase.pdfmetrics import stringWidth

    runs: list[PlacedText] = []

    def visit(text, cm, tm, font_dict, font_size):
        text = text.strip()
        if contains not in text or tm[1] or cm[1]:  # skip rotated text (the watermark)
            return
        scale = tm[0] * cm[0]
        left = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        face = BOLD if "Bold" in str(font_dict.get("/BaseFont")) else REGULAR
        runs.append(PlacedText(text, left, left + stringWidth(text, face, font_size) * scale))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return runs


#: The horizontal band text must stay within (a point of slack for rounding).
CONTENT_LEFT = MARGIN_LEFT - 1
CONTENT_RIGHT = PAGE_WIDTH - MARGIN_RIGHT + 1


def session_report(
    patient: Patient, session, clinic: ClinicProfile = CLINIC, **numbering: int,
) -> bytes:
    from practitioner_app.reporting import SessionReportData, build_session_report

    return build_session_report(
        SessionReportData(clinic, patient, session, GENERATED_AT, **numbering))


def patient_summary(patient: Patient, *sessions, clinic: ClinicProfile = CLINIC) -> bytes:
    from practitioner_app.reporting import PatientSummaryData, build_patient_summary

    return build_patient_summary(PatientSummaryData(clinic, patient, sessions, GENERATED_AT))


def aftercare_sheet(patient: Patient, session, clinic: ClinicProfile = CLINIC) -> bytes:
    from practitioner_app.reporting import AftercareSheetData, build_aftercare_sheet

    return build_aftercare_sheet(AftercareSheetData(clinic, patient, session, GENERATED_AT))


#: Each document from one patient and one session, for tests that hold for all three.
DOCUMENTS = {
    "session_report": session_report,
    "patient_summary": patient_summary,
    "aftercare_sheet": aftercare_sheet,
}


def mark_text_fields(record, path: str = "", prefix: str = "t"):
    """`record` with every free-text field set to a unique token full of markup, and the
    tokens by field path ("numbing.agent", "needling.zones[0].note", ...).

    A report that prints a token literally both shows that field and escaped it.
    """
    tokens: dict[str, str] = {}

    def visit(value, where: str):
        if isinstance(value, tuple):
            return tuple(visit(item, f"{where}[{i}]") for i, item in enumerate(value))
        if not dataclasses.is_dataclass(value):
            return value
        changes = {}
        for field in dataclasses.fields(value):
            current, inner = getattr(value, field.name), f"{where}.{field.name}".lstrip(".")
            if isinstance(current, str) and not isinstance(current, Enum):
                tokens[inner] = changes[field.name] = f"<{prefix}{len(tokens)}>&"
            elif dataclasses.is_dataclass(current) or isinstance(current, tuple):
                changes[field.name] = visit(current, inner)
        return dataclasses.replace(value, **changes)

    return visit(record, path), tokens


def rotated_text(pdf: bytes) -> list[list[str]]:
    """Per page, the text drawn at an angle (the DRAFT watermark)."""
    result = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found: list[str] = []

        def visit(text, cm, tm, font_dict, font_size, found=found):
            if text.strip() and (tm[1] or cm[1]):
                found.append(text.strip())

        page.extract_text(visitor_text=visit)
        result.append(found)
    return result
