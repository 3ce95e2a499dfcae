"""The one typeface of every report: DejaVu Sans, shipped in resources/fonts.

ReportLab's built-in Helvetica has no glyphs beyond Latin-1 and does not warn about the
missing ones (PITFALLS 2); DejaVu Sans covers Latin, Greek and Cyrillic. Every style,
table, chart label and canvas string in this package names one of the fonts below, and
the canvas starts in `REGULAR`, so no standard (unembedded) font reaches a PDF.
"""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from practitioner_app.paths import resources_dir

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
OBLIQUE = "DejaVuSans-Oblique"

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", OBLIQUE: "DejaVuSans-Oblique.ttf"}
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the fonts with ReportLab once per process; later calls return at once.

    Called by every builder rather than at import: parsing the TTF files costs tens of
    milliseconds that an app start-up should not pay.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = resources_dir() / "fonts"
        for name, filename in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(folder / filename)))
        # <b> and <i> inside a paragraph resolve through this family mapping; there is no
        # bold-oblique file, so bold italic falls back to bold rather than to Helvetica.
        for bold, italic, face in (
            (0, 0, REGULAR), (1, 0, BOLD), (0, 1, OBLIQUE), (1, 1, BOLD),
        ):
            addMapping(REGULAR, bold, italic, face)
        _registered = True
