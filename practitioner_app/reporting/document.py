"""Rendering a story to PDF bytes: one page template, page X of Y, no outside access.

`render` guarantees, for every document:
- the same story and furniture give the same bytes (`invariant=1` fixes the file id;
  nothing reads the clock); the PDF's creation date is the document's own
  `generated_at`, the moment printed in its footer (ReportLab's invariant mode would
  write a false 2000-01-01);
- every page has the header, the footer and "Page X of Y";
- only our registered fonts are used, embedded as subsets: DejaVu, and the fallbacks
  for what it lacks (fonts.py); the canvas starts in DejaVu too, otherwise ReportLab
  names an unembedded Helvetica on every page;
- ReportLab may not fetch a URL or read a file on behalf of document content.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from . import layout, styles
from .fonts import REGULAR, register_fonts
from .page import PageFurniture


def _configure_reportlab() -> None:
    """Process-wide ReportLab settings our documents rely on; re-applied on every build in
    case anything else in the process changed them.

    - No URL scheme and no host is trusted, so no content can make ReportLab fetch a URL
      or read a file. Escaping already keeps user text from forming an <img> tag; this is
      the second lock.
    - Streams are not ASCII85-encoded: 7-bit-clean output buys nothing today, and the
      encoding makes every stream a quarter larger and runs in pure Python.
    """
    rl_config.trustedSchemes = []
    rl_config.trustedHosts = None
    rl_config.useA85 = 0


D = TypeVar("D")


def pdf_builder(build: Callable[[D], bytes]) -> Callable[[D], bytes]:
    """Marks a document builder: fonts registered and ReportLab configured before it runs.

    Paragraphs resolve their fonts when they are created, so this must happen before
    the builder makes its first flowable, not only when the story is rendered.
    """

    @functools.wraps(build)
    def prepared(data: D) -> bytes:
        prepare_reportlab()
        return build(data)

    return prepared


def prepare_reportlab() -> None:
    """The fonts registered and ReportLab configured (cheap once done)."""
    register_fonts()
    _configure_reportlab()


class NumberedCanvas(Canvas):
    """Holds pages back until the end so each can say "Page X of Y".

    One layout pass: the page count is known when `save` runs, so the footer is added
    then, without laying the story out twice.
    """

    def __init__(self, *args, created: datetime | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict] = []
        if created is not None:
            # A PDF date without a time zone: the footer's local time, as printed.
            stamp = created.strftime("D:%Y%m%d%H%M%S")
            self.setDateFormatter(lambda *_ignored: stamp)

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self.setFillColor(styles.MUTED)
            self.setFont(REGULAR, 7.5)
            self.drawRightString(layout.PAGE_WIDTH - layout.MARGIN_RIGHT,
                                 layout.FOOTER_BASELINE, f"Page {number} of {total}")
            super().showPage()
        super().save()


def render(story: list[Flowable], furniture: PageFurniture) -> bytes:
    """The PDF of `story` on A4 pages dressed with `furniture`.

    Call only from inside a `pdf_builder`.
    """
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(layout.PAGE_WIDTH, layout.PAGE_HEIGHT),
        leftMargin=layout.MARGIN_LEFT,
        rightMargin=layout.MARGIN_RIGHT,
        topMargin=layout.PAGE_HEIGHT - layout.FRAME_TOP,
        bottomMargin=layout.FRAME_BOTTOM,
        invariant=1,
        initialFontName=REGULAR,
        title=furniture.title,
        author=furniture.clinic.name,
        creator="practitioner-app",
    )
    frame = Frame(
        layout.MARGIN_LEFT, layout.FRAME_BOTTOM, layout.CONTENT_WIDTH, layout.FRAME_HEIGHT,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body",
    )
    doc.addPageTemplates([PageTemplate(
        id="page", frames=[frame], onPage=furniture.on_page, onPageEnd=furniture.on_page_end,
    )])
    doc.build(story, canvasmaker=functools.partial(NumberedCanvas,
                                                    created=furniture.generated_at))
    return buffer.getvalue()
