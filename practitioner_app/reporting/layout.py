"""Page geometry in millimetres, shared by every document.

Everything that is drawn on the canvas (header, footer, watermark) and the frame that
flowables fill are placed from these numbers, so the body can never run under the
header or the footer.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

PAGE_WIDTH, PAGE_HEIGHT = A4

MARGIN_LEFT = 18 * mm
MARGIN_RIGHT = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

# Header band: clinic letterhead, a rule, the patient line, a rule.
HEADER_TOP = PAGE_HEIGHT - 12 * mm
CLINIC_NAME_BASELINE = HEADER_TOP - 4.5 * mm
CLINIC_CONTACT_BASELINE = CLINIC_NAME_BASELINE - 4.5 * mm
HEADER_RULE_1 = CLINIC_CONTACT_BASELINE - 2.5 * mm
PATIENT_LINE_BASELINE = HEADER_RULE_1 - 5 * mm
HEADER_RULE_2 = PATIENT_LINE_BASELINE - 2.5 * mm

# Footer band: a rule, then "Generated ..." on the left and "Page X of Y" on the right.
FOOTER_RULE = 16 * mm
FOOTER_BASELINE = 11 * mm

# The frame that flowables fill, with a gap below the header and above the footer.
FRAME_TOP = HEADER_RULE_2 - 4 * mm
FRAME_BOTTOM = FOOTER_RULE + 4 * mm
FRAME_HEIGHT = FRAME_TOP - FRAME_BOTTOM
