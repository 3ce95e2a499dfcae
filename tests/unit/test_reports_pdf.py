"""What every document guarantees: same bytes for the same data, embedded DejaVu only,
page X of Y, user text printed literally in any script, long words kept on the page."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.session import Serum
from practitioner_app.reporting.fonts import BOLD, register_fonts
from practitioner_app.reporting.page import fit_text
from practitioner_app.reporting.text import escape_text, markup
from tests.factories import HOSTILE_NAMES, a_full_session, a_patient
from tests.unit.test_reports_support import (
    CLINIC,
    CONTENT_LEFT,
    CONTENT_RIGHT,
    DOCUMENTS,
    all_text,
    fonts,
    normalise,
    page_numbers,
    pages_text,
    placed_text,
)

documents = pytest.mark.parametrize("build", DOCUMENTS.values(), ids=DOCUMENTS.keys())


@documents
def test_same_data_gives_identical_bytes(build):
    first = build(a_patient(), a_full_session())
    second = build(a_patient(), a_full_session())
    assert first.startswith(b"%PDF-")
    assert first == second


def test_bytes_do_not_depend_on_the_process():
    """A fresh interpreter (fonts registered anew, other ids) produces the same file."""
    script = textwrap.dedent("""
        import sys
        from tests.factories import a_full_session, a_patient
        from tests.unit.test_reports_support import session_report
        sys.stdout.buffer.write(session_report(a_patient(), a_full_session()))
    """)
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True,
                           cwd=Path(__file__).resolve().parents[2])
    assert other.stdout == DOCUMENTS["session_report"](a_patient(), a_full_session())


@documents
def test_every_font_is_embedded_dejavu(build):
    found = fonts(build(a_patient(full_name=HOSTILE_NAMES[3]), a_full_session()))
    assert found
    for name, embedded in found:
        assert "DejaVuSans" in name, name
        assert embedded, f"{name} is not embedded"


@documents
def test_every_page_says_page_x_of_y(build):
    session = a_full_session()
    long_notes = dataclasses.replace(session.outcome, notes="Observation. " * 1500)
    pdf = build(a_patient(), dataclasses.replace(session, outcome=long_notes))
    numbers = page_numbers(pdf)
    total = len(numbers)
    assert numbers == [[(page, total)] for page in range(1, total + 1)]


@documents
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_print_exactly_on_every_page(build, name):
    pages = pages_text(build(a_patient(full_name=name), a_full_session()))
    for text in pages:
        assert normalise(name) in text


@documents
def test_markup_in_any_text_prints_literally_and_fetches_nothing(build):
    hostile = '<img src="file:///etc/passwd"/> <a href="http://example.invalid">x</a> &amp;'
    session = a_full_session(serum=Serum(product=hostile, lot="<b>L1</b>"))
    clinic = ClinicProfile(name="<font color=red>Clinic</font> & Co", phone="<br/>01")
    pdf = build(a_patient(allergies=hostile), session, clinic=clinic)
    text = all_text(pdf)
    assert "<font color=red>Clinic</font> & Co" in text
    # Spaces ignored: a token longer than its column is split across lines.
    assert hostile.replace(" ", "") in text.replace(" ", "")
    assert rl_config.trustedSchemes == []
    assert not rl_config.trustedHosts


@documents
def test_a_300_character_word_wraps_inside_the_margins(build):
    word = "W" * 300
    session = a_full_session(serum=Serum(product=word, lot=word))
    pdf = build(a_patient(allergies=word, full_name="Ana " + word), session)
    runs = placed_text(pdf, "WWWW")
    assert runs, "the long word was not printed"
    for run in runs:
        assert CONTENT_LEFT <= run.left and run.right <= CONTENT_RIGHT, run


@pytest.mark.parametrize(("raw", "expected"), [
    ("O'Neil <script>", "O'Neil &lt;script&gt;"),
    ("&amp; <b>x</b>", "&amp;amp; &lt;b&gt;x&lt;/b&gt;"),
    ("one\ntwo\r\nthree", "one<br/>two<br/>three"),
    ("bell\x07 tab\t", "bell tab "),
])
def test_escape_text(raw, expected):
    assert escape_text(raw) == expected


def test_markup_escapes_only_the_values():
    assert markup("<b>%s</b> %s", "<i>", "a & b") == "<b>&lt;i&gt;</b> a &amp; b"


def test_clinic_letterhead_is_on_every_page():
    session = a_full_session()
    pdf = DOCUMENTS["session_report"](a_patient(), dataclasses.replace(
        session, outcome=dataclasses.replace(session.outcome, notes="Line\n" * 400)))
    pages = pages_text(pdf)
    assert len(pages) > 1
    for text in pages:
        assert CLINIC.name in text
        assert "12 Harley Street, London W1G 9PF" in text
        assert CLINIC.phone in text and CLINIC.email in text


@pytest.mark.parametrize("length", [10, 80, 5000])
def test_header_text_is_shrunk_then_shortened_to_fit(length):
    register_fonts()
    text, size = fit_text("Ł" * length, BOLD, 12, 200)
    assert stringWidth(text, BOLD, size) <= 200
    assert 6 <= size <= 12
    assert text == "Ł" * length or (text.endswith("…") and len(text) > 10)


def test_a_clinic_without_a_name_is_said_on_the_page_never_left_blank():
    import io
    from datetime import datetime

    import pypdf

    from practitioner_app.domain.clinic import ClinicProfile
    from practitioner_app.reporting import SessionReportData, build_session_report
    from tests.factories import a_full_session, a_patient

    pdf = build_session_report(SessionReportData(
        ClinicProfile(name=""), a_patient(), a_full_session(), datetime(2026, 11, 24, 10, 30)))
    first = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Clinic name not set" in first
