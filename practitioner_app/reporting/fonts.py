"""The typeface of every report, DejaVu Sans, and the fallback fonts for what it lacks;
all shipped in resources/fonts with their licences.

ReportLab's built-in Helvetica has no glyphs beyond Latin-1 and does not warn about the
missing ones (PITFALLS 2); DejaVu Sans covers Latin, Greek and Cyrillic. Every style,
table, chart label and canvas string in this package names one of the fonts below, and
the canvas starts in `REGULAR`, so no standard (unembedded) font reaches a PDF.

ReportLab picks no fallback font by itself: a character DejaVu lacks (Chinese, Japanese,
Korean, emoji) would print as an empty box and leave nothing to copy or search. So user
text is cut into runs by the first font that has each character (`font_runs`): in a
paragraph the runs are `<font name=...>` spans (`with_fallbacks`), on the canvas each
run is drawn in its font (`draw_string`). The fallback files are large (8 MB together)
and parsed only when some text needs them, so a document in Latin script does not pay
for them. ReportLab embeds only the glyphs used (a subset) of every TrueType font.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import lru_cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from practitioner_app.paths import resources_dir

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
OBLIQUE = "DejaVuSans-Oblique"

_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", OBLIQUE: "DejaVuSans-Oblique.ttf"}

#: Fallbacks in the order they are tried: (name, file, index of the font in a collection).
#: WenQuanYi Micro Hei: Chinese (simplified and traditional), Japanese kana and kanji,
#: Korean Hangul. Symbola: emoji (Unicode 9) and symbols. Both TrueType outlines, which
#: ReportLab can embed (it cannot read the CFF outlines of most Noto CJK files).
CJK = "WenQuanYiMicroHei"
SYMBOLS = "Symbola"
_FALLBACK_FILES = ((CJK, "wqy-microhei.ttc", 0), (SYMBOLS, "Symbola.ttf", 0))

_lock = threading.Lock()
_registered = False
_fallbacks: tuple[tuple[str, dict], ...] | None = None


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode map of a font subset, with each character written as UTF-16
    (a surrogate pair beyond U+FFFF). ReportLab 5.1 writes the code point in hex, which
    PDF readers take for a different, shorter code: an emoji came out of the text layer
    as a Greek letter. Characters up to U+FFFF are written exactly as ReportLab does."""
    return "\n".join([
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1),
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{code:02X}> <{chr(char).encode('utf-16-be').hex().upper()}>"
          for code, char in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ])


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
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # looked up there at each save
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


def _characters(name: str):
    """The code points font `name` has a glyph for (its character map)."""
    return pdfmetrics.getFont(name).face.charToGlyph


@lru_cache(maxsize=8)
def _base_characters(font: str):
    register_fonts()
    return _characters(font)


def _fallback_fonts() -> tuple[tuple[str, dict], ...]:
    """The fallback fonts, registered on first use (then cached), with their maps."""
    global _fallbacks
    if _fallbacks is None:
        with _lock:
            if _fallbacks is None:
                folder = resources_dir() / "fonts"
                for name, filename, index in _FALLBACK_FILES:
                    pdfmetrics.registerFont(
                        TTFont(name, str(folder / filename), subfontIndex=index))
                    # No bold or italic faces: <b> around a fallback run keeps the face.
                    for bold, italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
                        addMapping(name, bold, italic, name)
                _fallbacks = tuple((name, _characters(name)) for name, _, _ in _FALLBACK_FILES)
    return _fallbacks


def needs_fallback(text: str, font: str = REGULAR) -> bool:
    """True when `font` lacks a glyph for some character of `text`."""
    if text.isascii():
        return False
    have = _base_characters(font)
    return any(ord(char) not in have for char in text)


def font_runs(text: str, font: str = REGULAR) -> Iterator[tuple[str, str]]:
    """`text` as consecutive (font name, run) pairs: each character in `font` when it has
    a glyph, else in the first fallback that has one. A character no font has (a newer
    emoji, a rare script) stays in `font`: it prints as a box but is kept in the text
    layer (`_keep_as_box`)."""
    if not needs_fallback(text, font):
        yield font, text
        return
    have = _base_characters(font)
    fallbacks = _fallback_fonts()
    current, start = font, 0
    for index, char in enumerate(text):
        code = ord(char)
        if code in have or char.isspace():
            chosen = font
        else:
            chosen = next((name for name, chars in fallbacks if code in chars), None)
            if chosen is None:
                _keep_as_box(code)
                chosen = font
        if chosen != current:
            if index > start:
                yield current, text[start:index]
            current, start = chosen, index
    if len(text) > start:
        yield current, text[start:]


def _keep_as_box(code: int) -> None:
    """Map `code` to the box glyph (.notdef) in each DejaVu face. ReportLab writes a
    character its font lacks as code 0, which reads back as nothing: a patient's name
    would lose that character when copied or searched. Mapped, it gets its own code in
    the subset, and the ToUnicode map gives the character back."""
    for name in _FILES:
        _characters(name).setdefault(code, 0)


def with_fallbacks(escaped: str) -> str:
    """Paragraph markup `escaped` (user text already escaped) with each run that needs a
    fallback font wrapped in <font name=...>. Escaping produces only ASCII (entities,
    <br/>), which DejaVu has, so no tag or entity is ever cut."""
    if not needs_fallback(escaped):
        return escaped
    return "".join(run if name == REGULAR else f'<font name="{name}">{run}</font>'
                   for name, run in font_runs(escaped))


def string_width(text: str, font: str, size: float) -> float:
    """The width of `text` as `draw_string` draws it."""
    return sum(pdfmetrics.stringWidth(run, name, size) for name, run in font_runs(text, font))


def draw_string(canv, x: float, y: float, text: str, font: str, size: float) -> float:
    """Draw `text` from (x, y) on the canvas, each run in its font; return the width.

    One text object for all the runs, so a reader's text extraction sees one string
    (drawn run by run, some tools put spaces between the runs of a name)."""
    line = canv.beginText(x, y)
    width = 0.0
    for name, run in font_runs(text, font):
        line.setFont(name, size)
        line.textOut(run)
        width += pdfmetrics.stringWidth(run, name, size)
    canv.drawText(line)
    canv.setFont(font, size)
    return width
