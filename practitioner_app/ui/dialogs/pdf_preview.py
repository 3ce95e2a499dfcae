"""Preview a document in the app, then print it or save it as a PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import DomainError
from ...services.files import StorageError, write_file
from ..file_dialogs import ask_save_file
from ..pdf_pages import page_count, print_pdf, render_pages

PREVIEW_DPI = 96


class PdfPreviewDialog(QDialog):
    """Shows every page of `pdf`. Emits `printed(int)` (pages) and `saved(str)` (path)."""

    printed = Signal(int)
    saved = Signal(str)

    def __init__(self, pdf: bytes, title: str, suggested_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.suggested_name = suggested_name
        #: Called with the path before the file is written; it records the document as
        #: leaving the app and returns what to call if the file then cannot be written.
        #: When it fails, nothing is written.
        self.record_saving: Callable[[Path], Callable[[Exception], object]] | None = None
        self.setWindowTitle(title)
        self.pages = QWidget()
        column = QVBoxLayout(self.pages)
        column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.page_labels: list[QLabel] = []
        for image in render_pages(pdf, PREVIEW_DPI):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(image))
            label.setStyleSheet("border: 1px solid #999; background: white;")
            column.addWidget(label)
            self.page_labels.append(label)
        scroll = QScrollArea()
        scroll.setWidget(self.pages)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        scroll.setStyleSheet("QScrollArea { background: #6d6d6d; }")
        self.page_info = QLabel(f"{page_count(pdf)} page(s)")
        self.print_button = QPushButton("&Print…")
        self.save_button = QPushButton("&Save as PDF…")
        close = QPushButton("Close")
        self.print_button.clicked.connect(self.print_with_dialog)
        self.save_button.clicked.connect(self.save_with_dialog)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.page_info)
        buttons.addStretch(1)
        for b in (self.print_button, self.save_button, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        from ..screen_fit import fit_to_screen

        fit_to_screen(self, 900, 1000)  # Print and Save stay on a 800-pixel-high screen

    def print_with_dialog(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.suggested_name)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> int:
        try:
            pages = print_pdf(self.pdf, printer)
        except OSError as error:
            QMessageBox.warning(self, "Not printed", str(error))
            return 0
        self.printed.emit(pages)
        return pages

    def save_with_dialog(self) -> None:
        path = ask_save_file(self, "Save as PDF", Path.home() / self.suggested_name,
                             "PDF (*.pdf)")
        if path is not None:
            self.save_to(path)

    def save_to(self, path: Path) -> None:
        """Write the PDF to `path` (".pdf" added if missing) through the app's one
        writer: owner-only, and never half a file over an earlier one."""
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(path.suffix + ".pdf")
        not_written = None
        if self.record_saving is not None:
            try:
                not_written = self.record_saving(path)
            except DomainError as error:
                QMessageBox.warning(self, "Not saved", f"{path} was not written: saving it "
                                    f"could not be recorded in the audit trail:\n{error}")
                return
        try:
            write_file(path, self.pdf)
        except StorageError as error:
            if not_written is not None:
                not_written(error)
            QMessageBox.warning(self, "Not saved", f"{path} could not be written:\n{error}")
            return
        self.saved.emit(str(path))
