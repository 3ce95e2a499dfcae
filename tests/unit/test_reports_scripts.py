"""Names in any script come back out of every document's text layer: Chinese, Japanese
and Korean through WenQuanYi Micro Hei, emoji through Symbola (fallback fonts, embedded
as subsets, loaded only when some text needs them), and a character no font has still
reads back (it prints as a box). Read back with pypdf and with pdftotext (poppler), as a
reader's tools would."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.factories import a_full_session, a_patient, with_zone
from tests.unit.test_reports_support import CLINIC, DOCUMENTS, all_text, fonts, normalise

NAMES = {
    "chinese": "王秀英",
    "japanese": "山田 太郎 やまだ タロウ",
    "korean": "김민준",
    "emoji": "Zoë 😀👍❤️🦄",
    "cjk and markup": "<b>王</b> & 김 😀 &amp;",
}
#: A newer emoji (Unicode 11) that none of the fonts draws: a box, but kept in the text.
UNDRAWN = "Ana 🥰 Martínez"

documents = pytest.mark.parametrize("build", DOCUMENTS.values(), ids=DOCUMENTS.keys())


def pdftotext(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                         capture_output=True, check=True).stdout
    return normalise(out.decode("utf-8"))


READERS = {"pypdf": all_text, "pdftotext": pdftotext}
readers = pytest.mark.parametrize("read", READERS.values(), ids=READERS.keys())


@readers
@documents
@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_a_name_in_any_script_comes_back_from_the_text_layer(build, name, read):
    text = read(build(a_patient(full_name=name), a_full_session()))
    assert normalise(name) in text


@readers
@documents
def test_a_character_no_font_has_still_comes_back(build, read):
    text = read(build(a_patient(full_name=UNDRAWN), a_full_session()))
    assert UNDRAWN in text


@documents
def test_fallback_fonts_are_embedded_as_subsets(build):
    pdf = build(a_patient(full_name="山田 太郎 😀👍"), a_full_session())
    found = fonts(pdf)
    names = {re.sub(r"^[A-Z]{6}\+", "", name.lstrip("/")) for name, _ in found}
    assert {"DejaVuSans-Bold", "Symbola"} <= names
    assert any(name.startswith("WenQuanYiMicroHei") for name in names)
    for name, embedded in found:
        assert embedded, f"{name} is not embedded"
        assert re.match(r"/?[A-Z]{6}\+", name), f"{name} is not a subset"
    assert len(pdf) < 250_000  # a subset: the two fallback files are 8 MB


def test_free_text_letterhead_and_table_cells_print_cjk():
    """Table cells, notes, the clinic letterhead (drawn on the canvas) and the patient
    line all take the fallback fonts."""
    clinic = CLINIC.__class__(name="明るい肌クリニック", address="東京都 1-2-3",
                              phone="+81 3 0000 0000")
    session = with_zone(a_full_session(), note="患者は快適でした 👍", technique="스탬핑")
    text = pdftotext(DOCUMENTS["session_report"](
        a_patient(full_name="山田 太郎", allergies="ペニシリン"), session, clinic=clinic))
    for expected in ("明るい肌クリニック", "東京都 1-2-3", "患者は快適でした 👍", "스탬핑",
                     "ペニシリン", "山田 太郎"):
        assert expected in text


def test_a_latin_document_does_not_load_the_fallback_fonts():
    """The fallback files (8 MB) are parsed only when text needs them: the usual first
    document stays as quick as before."""
    script = textwrap.dedent("""
        from reportlab.pdfbase import pdfmetrics
        from tests.factories import a_full_session, a_patient
        from tests.unit.test_reports_support import session_report
        session_report(a_patient(), a_full_session())
        before = set(pdfmetrics.getRegisteredFontNames())
        session_report(a_patient(full_name="王秀英"), a_full_session())
        after = set(pdfmetrics.getRegisteredFontNames())
        print(sorted(before), sorted(after - before))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    before, added = out.strip().split("] [")
    assert "WenQuanYi" not in before and "Symbola" not in before
    assert "WenQuanYiMicroHei" in added and "Symbola" in added


def test_a_cjk_document_is_the_same_bytes_every_time():
    patient = a_patient(full_name="山田 太郎 😀 🥰")
    first = DOCUMENTS["patient_summary"](patient, a_full_session())
    assert DOCUMENTS["patient_summary"](patient, a_full_session()) == first
