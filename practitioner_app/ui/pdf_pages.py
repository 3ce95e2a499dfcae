"""PDF pages as images, for the preview and for printing.

Rendering uses PDFium (pypdfium2), the engine QtPdf itself wraps: QtPdf's Python binding
exists only for PySide6 6.12, which is unusable on Python 3.11 (see pyproject.toml), and
the older Addons wheel would add ~370 MB to every install.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrinter


def page_count(pdf: bytes) -> int:
    import pypdfium2

    return len(pypdfium2.PdfDocument(pdf))


def render_pages(pdf: bytes, dpi: float, first: int = 0, last: int | None = None
                 ) -> list[QImage]:
    """Pages `first`..`last` (inclusive; all by default) as images at `dpi`."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    last = len(document) - 1 if last is None else last
    images = []
    for index in range(first, last + 1):
        bitmap = document[index].render(scale=dpi / 72.0)
        image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                       QImage.Format.Format_BGR888)
        images.append(image.copy())  # own the pixels; the bitmap's buffer goes away
    return images


def print_pdf(pdf: bytes, printer: QPrinter) -> int:
    """Print every page of `pdf` on `printer`, each scaled to fit the printable area with
    its proportions kept. Returns the number of pages printed."""
    count = page_count(pdf)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("The printer could not be started.")
    try:
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        dpi = min(printer.resolution(), 300)
        for index in range(count):
            if index:
                printer.newPage()
            (image,) = render_pages(pdf, dpi, index, index)
            scale = min(area.width() / image.width(), area.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            target = QRectF((area.width() - w) / 2, (area.height() - h) / 2, w, h)
            painter.drawImage(target, image)
    finally:
        painter.end()
    return count
