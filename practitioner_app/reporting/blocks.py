"""Flowables the documents are assembled from.

Every function here that takes user text escapes it (via `para`), so a document module
never builds a Paragraph from raw user text. Table cells whose text fits on one line are
plain strings instead: a table draws those as they are, never parsing them as markup,
and they cost a fraction of a paragraph (the difference is most of a report's build time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, LongTable, Paragraph, Spacer, Table

from practitioner_app.domain.enums import PIH_CAUTION
from practitioner_app.domain.patient import Patient

from . import styles
from .fonts import REGULAR
from .layout import CONTENT_WIDTH
from .text import clean, escape_text, fmt_date, markup, or_dash

#: A (label, value) pair of a field grid; a value may be a ready flowable (e.g. a
#: highlighted "No") or text, which is escaped.
Field = tuple[str, "str | Flowable"]

#: One label width for every field grid, so values line up down the whole document;
#: the longest label ("Retinoids, acids paused") is 31.4 mm at 7.5 pt, plus a gap.
LABEL_WIDTH = 35 * mm


def para(text: str, style=styles.VALUE) -> Paragraph:
    """A Paragraph that prints `text` literally (escaped, line breaks kept)."""
    return Paragraph(escape_text(text), style)


def cell(value: str | Flowable, style: ParagraphStyle, width: float) -> str | Flowable:
    """A table cell `width` points wide: a plain string when `value` fits on one line,
    else an escaped paragraph that wraps; "—" when blank; flowables as they are."""
    if isinstance(value, Flowable):
        return value
    text = clean(or_dash(value))
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width:
        return text
    return para(text, style)


def field_grid(fields: Sequence[Field], *, columns: int = 2) -> Table:
    """Label/value pairs laid out `columns` pairs per row across the content width.

    Labels are our own short constants and always fit `LABEL_WIDTH`.
    """
    value_width = CONTENT_WIDTH / columns - LABEL_WIDTH
    text_width = value_width - styles.FIELD_GAP
    rows = []
    for start in range(0, len(fields), columns):
        row: list[Flowable | str] = []
        for label, value in fields[start:start + columns]:
            row += [label, cell(value, styles.VALUE, text_width)]
        row += [""] * (2 * columns - len(row))
        rows.append(row)
    # splitInRow: a single value longer than a page (pasted notes) must split, not fail.
    table = Table(rows, colWidths=[LABEL_WIDTH, value_width] * columns, hAlign="LEFT",
                  splitInRow=1)
    table.setStyle(styles.FIELD_TABLE + tuple(
        command for col in range(0, 2 * columns, 2) for command in styles.label_column(col)))
    return table


def full_width_fields(fields: Sequence[Field]) -> Table:
    """One label/value pair per row, for long free text (history, plan, notes)."""
    return field_grid(fields, columns=1)


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    col_widths: Sequence[float],
    *,
    notes: Sequence[str] = (),
    long: bool = False,
) -> Table:
    """A gridded table whose header row repeats on every page it spans.

    `notes[i]`, when not blank, prints under row i across the full width, kept on the
    same page as its row. `long=True` uses LongTable, which lays out many rows faster.
    """
    body: list[list[str | Flowable]] = [[para(h, styles.CELL_HEAD) for h in header]]
    commands = list(styles.GRID_TABLE)
    for index, row in enumerate(rows):
        first = len(body)
        body.append([cell(value, styles.CELL, width - 2 * styles.GRID_PADDING)
                     for value, width in zip(row, col_widths, strict=True)])
        note = notes[index] if index < len(notes) else ""
        if note.strip():
            body.append([Paragraph(markup("<b>Note:</b> %s", note), styles.CELL)]
                        + [""] * (len(header) - 1))
            commands += [("SPAN", (0, first + 1), (-1, first + 1)),
                         ("NOSPLIT", (0, first), (-1, first + 1))]
        if index % 2:
            commands.append(("BACKGROUND", (0, first), (-1, len(body) - 1), styles.ZEBRA_FILL))
    cls = LongTable if long else Table
    table = cls(body, colWidths=list(col_widths), repeatRows=1, hAlign="LEFT", splitInRow=1)
    table.setStyle(commands)
    return table


class StepHeading(Flowable):
    """A heading with a note (a time) flush right and a rule beneath, kept with what
    follows. Drawn straight on the canvas: our own words only, never user text."""

    _RULE_GAP = 1.2 * mm  # between the text and the rule
    _SPACE_AFTER = 1.2 * mm  # below the rule; inside the flowable so keepWithNext holds

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.title, self.note = title, note
        self.keepWithNext = True
        self._style = styles.STEP_HEADING

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self._SPACE_AFTER + self._RULE_GAP + self._style.leading

    def draw(self) -> None:
        canv, style = self.canv, self._style
        rule = self._SPACE_AFTER
        baseline = rule + self._RULE_GAP + (style.leading - style.fontSize)  # clear of descenders
        canv.setFillColor(style.textColor)
        canv.setFont(style.fontName, style.fontSize)
        canv.drawString(0, baseline, self.title)
        canv.drawRightString(self.width, baseline, self.note)
        canv.setStrokeColor(styles.RULE)
        canv.setLineWidth(0.5)
        canv.line(0, rule, self.width, rule)


def boxed(content: Sequence[Flowable], fill, edge) -> Table:
    """`content` in a tinted box across the content width."""
    box = Table([[list(content)]], colWidths=[CONTENT_WIDTH], hAlign="LEFT")
    box.setStyle((
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # see styles.GRID_TABLE
        ("BACKGROUND", (0, 0), (-1, -1), fill),
        ("BOX", (0, 0), (-1, -1), 0.8, edge),
        ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
    ))
    return box


def pih_caution(patient: Patient) -> list[Flowable]:
    """The Fitzpatrick IV–VI caution box, or nothing for types I–III."""
    if not patient.fitzpatrick.needs_pih_caution:
        return []
    text = "Caution — " + PIH_CAUTION.format(type=patient.fitzpatrick.value)
    return [Spacer(1, 1.5 * mm), boxed([para(text, styles.CAUTION)],
                                        styles.CAUTION_FILL, styles.CAUTION_EDGE)]


def patient_identity(patient: Patient, age_on: date) -> list[Field]:
    """The identifying fields every clinical document starts with; age as on `age_on`."""
    return [
        ("Name", patient.full_name),
        ("Patient no.", patient.number),
        ("Date of birth", f"{fmt_date(patient.date_of_birth)} (age {patient.age_on(age_on)})"),
        ("Sex", patient.sex.label),
        ("Fitzpatrick type", patient.fitzpatrick.label),
    ]


def signature_block(name: str, role: str) -> Flowable:
    """Practitioner's printed name and role, then lines to sign and date by hand."""
    printed = field_grid([("Practitioner", name), ("Role", role)])
    line_style = styles.FIELD_TABLE + (
        ("LINEBELOW", (1, 0), (1, 0), 0.6, styles.INK),
        ("LINEBELOW", (3, 0), (3, 0), 0.6, styles.INK),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
    )
    lines = Table(
        [[para("Signature:"), "", para("Date:"), ""]],
        colWidths=[20 * mm, 85 * mm, 12 * mm, 45 * mm], rowHeights=[12 * mm], hAlign="LEFT",
    )
    lines.setStyle(line_style)
    return KeepTogether([para("Sign-off", styles.SECTION), printed, lines])
