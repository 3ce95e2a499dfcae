"""Documents from the windows: built off the GUI thread, previewed, printed, saved."""

from __future__ import annotations

import io

import pypdf
import pytest
from PySide6.QtPrintSupport import QPrinter

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.ui import main_window
from practitioner_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from tests.factories import HOSTILE_NAMES, a_full_session, a_patient

from .helpers import click, type_text


@pytest.fixture
def window(start_app):
    window = start_app()
    s = window.services
    s.clinic.save_profile(ClinicProfile(name="Harbour Skin Clinic", phone="+44 1632 960000"))
    patient = s.patients.register(a_patient(full_name=HOSTILE_NAMES[0]))
    s.sessions.save(patient.id, a_full_session())
    window.patients.reload()
    window.select_patient(patient.id)
    return window


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("button, expected", [
    ("session_report_button", "Microneedling"),
    ("aftercare_button", "Call the clinic"),
    ("summary_button", "Sessions"),
])
def test_document_is_built_in_the_background_and_previewed(qtbot, window, button, expected):
    click(qtbot, getattr(window.panel, button))
    with qtbot.waitSignal(window.report_task.finished, timeout=20_000):
        pass
    preview = window.active_dialog
    assert isinstance(preview, PdfPreviewDialog)
    assert preview.isVisible()
    assert preview.page_labels and not preview.page_labels[0].pixmap().isNull()
    text = _text(preview.pdf)
    assert "Harbour Skin Clinic" in text and expected in text
    assert " ".join(HOSTILE_NAMES[0].split()) in " ".join(text.split())


def test_print_path_writes_every_page_offscreen(qtbot, window, tmp_path):
    click(qtbot, window.panel.summary_button)
    with qtbot.waitSignal(window.report_task.finished, timeout=20_000):
        pass
    preview = window.active_dialog
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    target = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(target))
    with qtbot.waitSignal(preview.printed) as printed:
        preview.print_to(printer)
    expected_pages = len(pypdf.PdfReader(io.BytesIO(preview.pdf)).pages)
    assert printed.args == [expected_pages]
    assert len(pypdf.PdfReader(target).pages) == expected_pages


def test_save_as_pdf_writes_the_same_bytes(qtbot, window, tmp_path):
    click(qtbot, window.panel.session_report_button)
    with qtbot.waitSignal(window.report_task.finished, timeout=20_000):
        pass
    preview = window.active_dialog
    with qtbot.waitSignal(preview.saved):
        preview.save_to(tmp_path / "report")
    assert (tmp_path / "report.pdf").read_bytes() == preview.pdf


def test_clinic_details_are_edited_in_the_app_and_required(qtbot, window):
    dialog = window.edit_clinic()
    assert dialog.name.text() == "Harbour Skin Clinic"
    dialog.name.clear()
    click(qtbot, dialog.buttons.buttons()[0])
    assert "Clinic name is required" in dialog.board.labels["name"].text()
    type_text(qtbot, dialog.name, "Клиника «Ясень» & Co")
    with qtbot.waitSignal(dialog.clinic_saved):
        dialog.save()
    assert window.services.clinic.profile().name == "Клиника «Ясень» & Co"


def test_logo_is_chosen_in_the_app_and_printed_on_every_page(qtbot, window, tmp_path):
    from PySide6.QtGui import QColor, QImage

    picture = QImage(1200, 600, QImage.Format.Format_RGB32)
    picture.fill(QColor("#2a6f97"))
    source = tmp_path / "logo.jpg"
    assert picture.save(str(source), "JPEG")
    dialog = window.edit_clinic()
    assert not dialog.load_logo_file(str(tmp_path / "missing.png"))
    assert "not an image" in dialog.board.labels["logo_png"].text()
    assert dialog.load_logo_file(str(source))
    with qtbot.waitSignal(dialog.clinic_saved):
        dialog.save()
    logo = window.services.clinic.profile().logo_png
    assert logo.startswith(b"\x89PNG")
    stored = QImage.fromData(logo)
    assert (stored.width(), stored.height()) == (800, 400)  # scaled to 400 px high

    summary = window.services.reports.patient_summary(window.panel.patient.id)
    for page in pypdf.PdfReader(io.BytesIO(summary)).pages:
        assert len(page.images) == 1


def test_documents_are_prepared_a_moment_after_sign_in(qtbot, start_app, monkeypatch):
    """The document machinery loads on the worker thread after the first sign-in (never
    on the way to the window), once; a first document then needs nothing more."""
    monkeypatch.setattr(main_window, "PREPARE_DOCUMENTS_AFTER_MS", 10)
    window = start_app()
    assert window.documents_prepared is False  # asked for, not yet done
    qtbot.waitUntil(lambda: window.documents_prepared is True, timeout=20_000)
    task = window.documents_task
    window.prepare_documents()  # a later sign-in (after the idle lock) asks again
    assert window.documents_task is task
