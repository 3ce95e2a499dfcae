"""The one stylesheet: colours, paragraph styles and table styles of every report.

Every style names a DejaVu font (fonts.py) for its text and its bullets, and keeps
ReportLab's `splitLongWords`, so an unbroken 300-character string wraps inside its
column instead of running off the page.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from .fonts import BOLD, OBLIQUE, REGULAR

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5c6670")
RULE = colors.HexColor("#9aa5b1")
GRID = colors.HexColor("#c3ccd5")
HEAD_FILL = colors.HexColor("#e3e9ef")
ZEBRA_FILL = colors.HexColor("#f5f7f9")
CAUTION_INK = colors.HexColor("#8a4b00")
CAUTION_FILL = colors.HexColor("#fff3dc")
CAUTION_EDGE = colors.HexColor("#d99a2b")
DRAFT_INK = colors.HexColor("#b3261e")
NOTE_FILL = colors.HexColor("#eef4fa")
NOTE_EDGE = colors.HexColor("#7fa6c9")

_BASE = ParagraphStyle(
    "base", fontName=REGULAR, fontSize=9, leading=11.5, textColor=INK,
    bulletFontName=REGULAR, splitLongWords=1,
)


def _style(name: str, parent: ParagraphStyle = _BASE, **overrides) -> ParagraphStyle:
    return ParagraphStyle(name, parent=parent, **overrides)


# Clinical records (session report, patient summary).
BODY = _style("body")
TITLE = _style("title", fontName=BOLD, fontSize=14, leading=17, spaceAfter=1 * mm)
SUBTITLE = _style("subtitle", textColor=MUTED, spaceAfter=3 * mm)
SECTION = _style(
    "section", fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=4 * mm, spaceAfter=1.5 * mm,
    keepWithNext=1,
)
# A heading over a long table: not kept with the whole table (a table that did not fit
# below went to the next page whole, leaving a half-empty page); blocks.table_start
# keeps it with the table's first rows instead.
TABLE_HEADING = _style("table-heading", parent=SECTION, keepWithNext=0)
STEP_HEADING = _style("step-heading", fontName=BOLD, fontSize=10, leading=12.5)
LABEL = _style("label", fontSize=7.5, leading=10, textColor=MUTED)
VALUE = _style("value")
VALUE_ALERT = _style("value-alert", fontName=BOLD, textColor=DRAFT_INK)
CELL = _style("cell", fontSize=7.5, leading=9.2)
CELL_HEAD = _style("cell-head", fontName=BOLD, fontSize=7.5, leading=9.2)
CAUTION = _style("caution", fontName=BOLD, textColor=CAUTION_INK)
EMPTY_NOTE = _style("empty-note", fontName=OBLIQUE, textColor=MUTED)
CAPTION = _style("caption", fontSize=7.5, leading=9.5, textColor=MUTED, alignment=TA_CENTER)

# The aftercare sheet is read by a patient at home: larger type, more air.
PATIENT_TITLE = _style("patient-title", fontName=BOLD, fontSize=16, leading=20, spaceAfter=2 * mm)
PATIENT_HEADING = _style(
    "patient-heading", fontName=BOLD, fontSize=12, leading=15, spaceBefore=3 * mm,
    spaceAfter=1 * mm, keepWithNext=1,
)
PATIENT_BODY = _style("patient-body", fontSize=10.5, leading=14, spaceAfter=1.2 * mm)
PATIENT_BULLET = _style(
    "patient-bullet", parent=PATIENT_BODY, leftIndent=6 * mm, bulletIndent=1.5 * mm,
    spaceAfter=0.6 * mm,
)
PATIENT_EMPHASIS = _style("patient-emphasis", parent=PATIENT_BODY, fontName=BOLD)

# Table styles. A cell is either a Paragraph or a plain string (see blocks.cell); these
# commands set the strings' font, size and colour to match the paragraphs, and name a
# DejaVu font even where every cell is a Paragraph: a table sets its cells' font before
# drawing them, and the default would put Helvetica in the file.
def _text_commands(style: ParagraphStyle) -> tuple:
    return (
        ("FONTNAME", (0, 0), (-1, -1), style.fontName),
        ("FONTSIZE", (0, 0), (-1, -1), style.fontSize),
        ("LEADING", (0, 0), (-1, -1), style.leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), style.textColor),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    )


GRID_PADDING = 1.2 * mm
GRID_TABLE = _text_commands(CELL) + (
    ("LEFTPADDING", (0, 0), (-1, -1), GRID_PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), GRID_PADDING),
    ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * mm),
    ("GRID", (0, 0), (-1, -1), 0.4, GRID),
    ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
)

FIELD_TOP_PADDING = 0.6 * mm
FIELD_GAP = 2 * mm  # right padding: the space between a value and the next label
FIELD_TABLE = _text_commands(VALUE) + (
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), FIELD_GAP),
    ("TOPPADDING", (0, 0), (-1, -1), FIELD_TOP_PADDING),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6 * mm),
)


def label_column(col: int) -> tuple:
    """Table commands that set column `col` as field labels, on the values' baseline."""
    # A cell string's (and a paragraph's) first baseline sits one font size below the
    # top padding, so a smaller label needs that much more padding to line up.
    return (
        ("FONTSIZE", (col, 0), (col, -1), LABEL.fontSize),
        ("TEXTCOLOR", (col, 0), (col, -1), MUTED),
        ("TOPPADDING", (col, 0), (col, -1),
         FIELD_TOP_PADDING + VALUE.fontSize - LABEL.fontSize),
    )
