"""Flowables the documents are assembled from.

Every function here that takes user text escapes it (via `para`), so a document module
never builds a Paragraph from raw user text. Table cells whose text fits on one line are
plain strings instead: a table draws those as they are, never parsing them as markup,
and they cost a fraction of a paragraph (the difference is most of a report's build time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    LongTable,
    Paragraph,
    Spacer,
    Table,
)

from practitioner_app.domain.enums import PIH_CAUTION
from practitioner_app.domain.patient import Patient

from . import styles
from .fonts import REGULAR, needs_fallback
from .layout import CONTENT_WIDTH, FRAME_HEIGHT
from .text import clean, escape_text, fmt_date, fmt_datetime, or_dash

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
    else an escaped paragraph that wraps; "—" when blank; flowables as they are.

    A word wider than the cell ("Non-crosslinked" in a narrow column) sets the cell's
    text smaller, down to `MIN_CELL_SIZE`, rather than split the word; only a word too
    long even then is split (splitLongWords)."""
    if isinstance(value, Flowable):
        return value
    text = clean(or_dash(value))
    # A table draws a string in one font: text that needs a fallback font is a paragraph.
    if "\n" not in text and stringWidth(text, style.fontName, style.fontSize) <= width \
            and not needs_fallback(text, style.fontName):
        return text
    return para(text, _fit_words(text, style, width))


#: The smallest type a table cell is set in to keep its longest word whole.
MIN_CELL_SIZE = 6.0


def _fit_words(text: str, style: ParagraphStyle, width: float) -> ParagraphStyle:
    """`style`, or a smaller copy of it in which the longest word of `text` fits `width`.
    Words in fallback fonts (CJK has no spaces to break at) are left to wrap."""
    longest = max((stringWidth(word, style.fontName, style.fontSize)
                   for word in text.split() if not needs_fallback(word, style.fontName)),
                  default=0.0)
    if longest <= width or len(text) > 200:  # long free text: full width, split as it comes
        return style
    size = max(MIN_CELL_SIZE, style.fontSize * width / longest)
    return _smaller(style, max(MIN_CELL_SIZE, int(size * 4) / 4))  # quarter points, down


@lru_cache(maxsize=64)
def _smaller(style: ParagraphStyle, size: float) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-{size}", parent=style, fontSize=size,
                          leading=style.leading * size / style.fontSize)


#: The tallest piece of one value or note: a table breaks only between rows, so a long
#: text is cut into pieces of at most this height, one row each.
PIECE_HEIGHT = FRAME_HEIGHT / 8


def text_pieces(text: str, style: ParagraphStyle, width: float, *, lead: str = "",
                height: float = PIECE_HEIGHT) -> list[Paragraph]:
    """`text` (escaped, line breaks kept) as consecutive paragraphs `width` wide, each at
    most `height` tall, that together print it exactly; `lead` is our own markup put
    before the first piece (e.g. a bold label).

    Lines are grouped whole; only a single line taller than `height` is cut, between its
    wrapped lines, by ReportLab (an unbroken word wraps by character: splitLongWords).
    """
    lines = [escape_text(line) for line in clean(text).split("\n")]
    lines[0] = lead + lines[0]
    if _surely_shorter(lines, style, width, height):
        return [Paragraph("<br/>".join(lines), style)]
    pieces: list[Paragraph] = []
    group: list[str] = []
    used = 0.0

    def flush() -> None:
        nonlocal group, used
        if group:
            pieces.append(Paragraph("<br/>".join(group), style))
        group, used = [], 0.0

    for line in lines:
        one = Paragraph(line, style)
        line_height = max(one.wrap(width, height)[1], style.leading)
        if line_height > height:
            flush()
            pieces += split_to_height(one, width, height)
            continue
        if used + line_height > height:
            flush()
        group.append(line)
        used += line_height
    flush()
    return pieces


def _surely_shorter(lines: list[str], style: ParagraphStyle, width: float,
                    height: float) -> bool:
    """True when `lines` cannot wrap taller than `height`, even if every character were
    as wide as the font size (saves laying out the common short value twice)."""
    per_line = max(1, int(width // style.fontSize))
    wrapped = sum(1 + len(line) // per_line for line in lines)
    return wrapped * style.leading <= height


#: A table split across pages leaves at least this many rows on the later page, so no
#: page holds only a table's last row or two.
MIN_TAIL_ROWS = 3
#: The room a heading, a table's header row and its first rows need at the foot of a
#: page; with less, the table starts on the next page (see `table_start`).
TABLE_START = 35 * mm


def table_start() -> Flowable:
    """Put before a table's heading: a page break only when its first rows would not
    fit below. The heading itself must not keepWithNext the table (a table taller than
    the rest of the page would then move whole and leave the page half empty)."""
    return CondPageBreak(TABLE_START)


class _KeepsTail:
    """A table split across pages keeps at least `MIN_TAIL_ROWS` rows together at its end
    and two at its start: a split that would leave fewer moves those rows on, or the
    whole (short) table to the next page."""

    def split(self, availWidth, availHeight):  # noqa: N803 - ReportLab's names
        parts = super().split(availWidth, availHeight)
        if len(parts) != 2:
            return parts
        first = len(parts[0]._cellvalues)
        missing = MIN_TAIL_ROWS - (len(self._cellvalues) - first)
        if missing > 0:
            parts[0].wrap(availWidth, availHeight)  # its own rows' heights, as drawn
            moved = sum(parts[0]._rowHeights[-missing:])
            parts = super().split(availWidth, availHeight - moved) or parts
        # One row at the foot of a page: move on, unless most of a page is free (rows
        # that tall could not do better overleaf, and refusing would never end).
        if len(parts[0]._cellvalues) - self.repeatRows < 2 and availHeight < FRAME_HEIGHT / 2:
            return []
        return parts


class _GridTable(_KeepsTail, Table):
    pass


class _LongGridTable(_KeepsTail, LongTable):
    pass


def _grid_lines(row_count: int, continued_rows: Sequence[int]) -> list[tuple]:
    """The grid of a data table, without the rule above each row in `continued_rows`."""
    lines: list[tuple] = [("BOX", (0, 0), (-1, -1), 0.4, styles.GRID),
                          ("LINEAFTER", (0, 0), (-2, -1), 0.4, styles.GRID)]
    start = 0
    for row in [*continued_rows, row_count]:
        if row - 2 >= start:  # a rule below each row from `start` to the one above `row`'s
            lines.append(("LINEBELOW", (0, start), (-1, row - 2), 0.4, styles.GRID))
        start = row
    return lines


def split_to_height(paragraph: Paragraph, width: float, height: float) -> list[Paragraph]:
    """`paragraph` cut between its lines into consecutive pieces no taller than `height`
    at `width` (one that cannot be cut is returned whole).

    Cut in halves, not piece by piece: each cut lays out the rest of the text again, so
    a 20,000-character note took 0.3 s one piece at a time.
    """
    total = paragraph.wrap(width, height)[1]
    leading = paragraph.style.leading
    per_piece = max(1, int(height // leading))
    lines = round(total / leading)
    if lines <= per_piece:
        return [paragraph]
    first_lines = (lines + per_piece - 1) // per_piece // 2 * per_piece
    parts = paragraph.split(width, (first_lines + 0.5) * leading)
    if len(parts) < 2:
        return [paragraph]
    return split_to_height(parts[0], width, height) + split_to_height(parts[1], width, height)


def _value_pieces(value: str | Flowable, style: ParagraphStyle,
                  width: float) -> list[str | Flowable]:
    """A field value as table cells: one plain string or flowable, or, for text that does
    not fit on one line, its `text_pieces`."""
    single = cell(value, style, width)
    if isinstance(value, Flowable) or isinstance(single, str):
        return [single]
    return list(text_pieces(or_dash(value), style, width))


def field_grid(fields: Sequence[Field], *, columns: int = 2) -> Table:
    """Label/value pairs laid out `columns` pairs per row across the content width.

    Labels are our own short constants and always fit `LABEL_WIDTH`. A value taller than
    `PIECE_HEIGHT` continues on further rows below its label, so any length prints.
    """
    value_width = CONTENT_WIDTH / columns - LABEL_WIDTH
    text_width = value_width - styles.FIELD_GAP
    rows = []
    continued: list[int] = []
    for start in range(0, len(fields), columns):
        group = fields[start:start + columns]
        values = [_value_pieces(value, styles.VALUE, text_width) for _, value in group]
        for number in range(max(len(pieces) for pieces in values)):
            row: list[Flowable | str] = []
            for (label, _), pieces in zip(group, values, strict=True):
                row += [label if number == 0 else "",
                        pieces[number] if number < len(pieces) else ""]
            row += [""] * (2 * columns - len(row))
            if number:
                continued.append(len(rows))
            rows.append(row)
    table = Table(rows, colWidths=[LABEL_WIDTH, value_width] * columns, hAlign="LEFT")
    table.setStyle(styles.FIELD_TABLE + tuple(
        command for col in range(0, 2 * columns, 2) for command in styles.label_column(col))
        + tuple(command for row in continued for command in (
            ("TOPPADDING", (0, row), (-1, row), 0),
            ("BOTTOMPADDING", (0, row - 1), (-1, row - 1), 0))))
    return table


def full_width_fields(fields: Sequence[Field]) -> Table:
    """One label/value pair per row, for long free text (history, plan, notes)."""
    return field_grid(fields, columns=1)


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    col_widths: Sequence[float],
    *,
    notes: Sequence[Sequence[tuple[str, str]]] = (),
    long: bool = False,
) -> Table:
    """A gridded table whose header row repeats on every page it spans.

    `notes[i]` are (label, text) pairs printed under row i across the full width (blank
    texts skipped), the first kept on the same page as its row; a long text continues
    on further rows, overleaf if need be.
    `long=True` uses LongTable, which lays out many rows faster.
    """
    body: list[list[str | Flowable]] = [[para(h, styles.CELL_HEAD) for h in header]]
    commands = [command for command in styles.GRID_TABLE if command[0] != "GRID"]
    continued_rows: list[int] = []
    note_width = sum(col_widths) - 2 * styles.GRID_PADDING
    for index, row in enumerate(rows):
        first = len(body)
        body.append([cell(value, styles.CELL, width - 2 * styles.GRID_PADDING)
                     for value, width in zip(row, col_widths, strict=True)])
        # A long note (a page of text is within the rules) comes in pieces, one row
        # each, so the table can break between them; the first stays with its row.
        pieces: list[tuple[Paragraph, bool]] = []
        for label, text in (notes[index] if index < len(notes) else ()):
            if text.strip():
                pieces += [(piece, number > 0) for number, piece in enumerate(text_pieces(
                    text, styles.CELL, note_width, lead=f"<b>{escape_text(label)}:</b> "))]
        if pieces:
            for piece, continued in pieces:
                row_index = len(body)
                body.append([piece] + [""] * (len(header) - 1))
                commands.append(("SPAN", (0, row_index), (-1, row_index)))
                if continued:  # one text, not several: no rule or gap between its pieces
                    continued_rows.append(row_index)
                    commands += [("TOPPADDING", (0, row_index), (-1, row_index), 0),
                                 ("BOTTOMPADDING", (0, row_index - 1), (-1, row_index - 1), 0)]
            commands.append(("NOSPLIT", (0, first), (-1, first + 1)))
        if index % 2:
            commands.append(("BACKGROUND", (0, first), (-1, len(body) - 1), styles.ZEBRA_FILL))
    commands += _grid_lines(len(body), continued_rows)
    cls = _LongGridTable if long else _GridTable
    # Every row is shorter than a page (cells hold short fields; long text comes in
    # pieces), so rows are never split: a split row leaves a sliver at a page's foot.
    table = cls(body, colWidths=list(col_widths), repeatRows=1, hAlign="LEFT")
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


def integrity_warnings(messages: Sequence[str]) -> list[Flowable]:
    """The loud lines a document prints on page 1 when a signed record it prints no
    longer matches its signature (the session report, the summary, the aftercare sheet)."""
    return [para(message, styles.VALUE_ALERT) for message in messages if message]


def imported_signature_fields(signature) -> list[Field]:
    """Where an imported signature came from, when and who imported it ([] for a
    signature made in this database)."""
    imported = getattr(signature, "imported", None)
    if imported is None:
        return []
    return [("Imported from", imported.source),
            ("Imported at", fmt_datetime(imported.imported_at)),
            ("Imported by", imported.imported_by)]


def signature_block(name: str, role: str, registration: str = "") -> Flowable:
    """Practitioner's printed name, role and registration number, then lines to sign
    and date by hand."""
    printed = field_grid([("Practitioner", name), ("Role", role),
                          ("Registration", registration)])
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
