"""What every page carries: letterhead, patient line, footer, and the DRAFT marks.

The header is drawn by the page template's `onPage`, so it is on every page however the
body flows; "Page X of Y" needs the final page count and is drawn by `NumberedCanvas`
(document.py). Canvas strings are not parsed as markup, so user text is only flattened to
one line here, never escaped, and shrunk (then shortened with "…") to fit its space.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.patient import Patient

from . import layout, styles
from .fonts import BOLD, REGULAR, draw_string, string_width
from .text import fmt_date, fmt_datetime, one_line

_MIN_FONT_SIZE = 6.0
_GAP = 5 * mm
_LOGO_MAX_WIDTH = 35 * mm
DRAFT_BADGE = "DRAFT — not signed"
NO_CLINIC_NAME = "Clinic name not set (Clinic ▸ Clinic details…)"


def fit_text(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """`text` and a font size at which it fits `width`: shrunk first, then cut with "…".
    Widths are measured as `fonts.draw_string` draws (fallback fonts included)."""
    natural = string_width(text, font, size)
    if natural <= width:
        return text, size
    size = max(_MIN_FONT_SIZE, size * width / natural)
    if string_width(text, font, size) <= width:
        return text, size
    # The longest prefix that fits with its ellipsis (binary search: text may be long).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if string_width(text[:middle] + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…", size


def patient_line(patient: Patient) -> tuple[tuple[str, str], ...]:
    """The identifying fields printed on every page of a clinical record."""
    return (
        ("Patient", patient.full_name),
        ("No.", patient.number),
        ("DOB", fmt_date(patient.date_of_birth)),
    )


@dataclass(frozen=True, slots=True)
class PageFurniture:
    """Header, footer and draft marks of one document.

    `patient_fields` are (label, value) pairs; the first value (the name) takes whatever
    width the others leave.
    """

    clinic: ClinicProfile
    title: str
    patient_fields: tuple[tuple[str, str], ...]
    generated_at: datetime
    draft: bool = False

    def on_page(self, canv: Canvas, doc) -> None:
        canv.saveState()
        self._letterhead(canv)
        self._patient_line(canv)
        self._footer(canv)
        canv.restoreState()

    def on_page_end(self, canv: Canvas, doc) -> None:
        # Drawn after the body and translucent, so the mark shows over shaded tables too.
        if not self.draft:
            return
        canv.saveState()
        canv.setFillColor(styles.DRAFT_INK)
        canv.setFillAlpha(0.13)
        canv.setFont(BOLD, 120)
        canv.translate(layout.PAGE_WIDTH / 2, layout.PAGE_HEIGHT / 2)
        canv.rotate(50)
        canv.drawCentredString(0, -40, "DRAFT")
        canv.restoreState()

    def _logo(self, canv: Canvas) -> float:
        """Draw the clinic's logo at the top left; return the width it takes (0 if none).
        The bytes come from the clinic settings, never from a path or URL in user text."""
        if not self.clinic.logo_png:
            return 0.0
        image = ImageReader(io.BytesIO(self.clinic.logo_png))
        width, height = image.getSize()
        box_height = layout.HEADER_TOP - layout.HEADER_RULE_1 - 1.5 * mm
        drawn_width = min(_LOGO_MAX_WIDTH, box_height * width / height)
        drawn_height = drawn_width * height / width
        canv.drawImage(image, layout.MARGIN_LEFT, layout.HEADER_RULE_1 + 1 * mm,
                       width=drawn_width, height=drawn_height, mask="auto")
        return drawn_width + 3 * mm

    def _letterhead(self, canv: Canvas) -> None:
        left, right = layout.MARGIN_LEFT, layout.PAGE_WIDTH - layout.MARGIN_RIGHT
        left += self._logo(canv)
        title_width = stringWidth(self.title, BOLD, 9)
        canv.setFillColor(styles.MUTED)
        canv.setFont(BOLD, 9)
        canv.drawRightString(right, layout.CLINIC_NAME_BASELINE, self.title)

        # A record must say whose it is: an unset clinic name shows, in the alert colour.
        clinic_name = one_line(self.clinic.name) or NO_CLINIC_NAME
        name, size = fit_text(clinic_name, BOLD, 12, right - left - title_width - _GAP)
        canv.setFillColor(styles.INK if self.clinic.name.strip() else styles.DRAFT_INK)
        draw_string(canv, left, layout.CLINIC_NAME_BASELINE, name, BOLD, size)

        contact = " · ".join(part for part in (
            one_line(self.clinic.address), one_line(self.clinic.phone),
            one_line(self.clinic.email)) if part)
        contact, size = fit_text(contact, REGULAR, 7.5, right - left)
        canv.setFillColor(styles.MUTED)
        draw_string(canv, left, layout.CLINIC_CONTACT_BASELINE, contact, REGULAR, size)
        self._rule(canv, layout.HEADER_RULE_1)

    def _patient_line(self, canv: Canvas) -> None:
        left, right = layout.MARGIN_LEFT, layout.PAGE_WIDTH - layout.MARGIN_RIGHT
        if self.draft:
            canv.setFillColor(styles.DRAFT_INK)
            canv.setFont(BOLD, 9.5)
            canv.drawRightString(right, layout.PATIENT_LINE_BASELINE, DRAFT_BADGE)
            right -= stringWidth(DRAFT_BADGE, BOLD, 9.5) + _GAP

        # Lay out the fixed-width fields first; the first (the name) gets the rest.
        labels = [label + " " for label, _ in self.patient_fields]
        values = [one_line(value) for _, value in self.patient_fields]
        widths = [stringWidth(lab, REGULAR, 8) + string_width(val, BOLD, 9.5)
                  for lab, val in zip(labels, values, strict=True)]
        name_room = (right - left) - sum(widths[1:]) - _GAP * (len(widths) - 1) \
            - stringWidth(labels[0], REGULAR, 8)
        values[0], name_size = fit_text(values[0], BOLD, 9.5, name_room)

        x = left
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            size = name_size if index == 0 else 9.5
            canv.setFillColor(styles.MUTED)
            canv.setFont(REGULAR, 8)
            canv.drawString(x, layout.PATIENT_LINE_BASELINE, label)
            x += stringWidth(label, REGULAR, 8)
            canv.setFillColor(styles.INK)
            x += draw_string(canv, x, layout.PATIENT_LINE_BASELINE, value, BOLD, size) + _GAP
        self._rule(canv, layout.HEADER_RULE_2)

    def _footer(self, canv: Canvas) -> None:
        self._rule(canv, layout.FOOTER_RULE)
        canv.setFillColor(styles.MUTED)
        canv.setFont(REGULAR, 7.5)
        canv.drawString(layout.MARGIN_LEFT, layout.FOOTER_BASELINE,
                        f"Generated {fmt_datetime(self.generated_at)}")

    @staticmethod
    def _rule(canv: Canvas, y: float) -> None:
        canv.setStrokeColor(styles.RULE)
        canv.setLineWidth(0.5)
        canv.line(layout.MARGIN_LEFT, y, layout.PAGE_WIDTH - layout.MARGIN_RIGHT, y)
