"""Consent, archiving, the clinic's screen and the audit of printed and saved documents,
through the real main window."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtPrintSupport import QPrinter

from practitioner_app.domain.audit import Action
from practitioner_app.domain.screening import ScreenSeverity
from practitioner_app.domain.signing import Consent
from practitioner_app.ui.dialogs.archive_dialog import ArchivePatientDialog
from practitioner_app.ui.dialogs.consent_dialog import ConsentDialog
from practitioner_app.ui.dialogs.pdf_preview import PdfPreviewDialog
from practitioner_app.ui.dialogs.screen_rules_dialog import ScreenRulesDialog
from tests.factories import a_full_session, a_patient

from .helpers import click, type_text
from .test_signing_window import signed_in


@pytest.fixture
def window(start_app):
    window = signed_in(start_app())
    s = window.services
    patient = s.patients.register(a_patient(full_name="Łucja <b>Nowak</b>"))
    s.patients.register(a_patient(number="P000102", full_name="Other Patient"))
    window.patients.reload()
    window.select_patient(patient.id)
    return window


def _save(qtbot, dialog) -> None:
    click(qtbot, dialog.buttons.buttons()[0])


def _names(window) -> list[str]:
    model = window.patients
    return [model.data(model.index(r, 1)) for r in range(model.rowCount())]


# -- consent ------------------------------------------------------------------------------
def test_consent_recorded_in_the_dialog_shows_on_the_panel(qtbot, window):
    panel = window.panel
    assert panel.treatment_consent.text().startswith(
        "No treatment consent on the current text (version 1)")
    assert panel.treatment_consent.styleSheet()  # red: sessions cannot be signed
    assert panel.photo_consent.text() == "Not recorded"

    click(qtbot, panel.record_consent_button)
    dialog = window.active_dialog
    assert isinstance(dialog, ConsentDialog)
    assert dialog.text_version.text() == "1"  # the version in force, prefilled
    _save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.board.labels["witnessed_by"].text() == "Witnessed by is required."
    dialog.consent_date.setDate(date(2026, 11, 1))
    type_text(qtbot, dialog.witnessed_by, "Sam <Witness> & Co")
    with qtbot.waitSignal(dialog.consent_recorded):
        _save(qtbot, dialog)
    assert panel.treatment_consent.text() == (
        "Version 1 on 2026-11-01, witnessed by Sam <Witness> & Co")
    assert panel.treatment_consent.styleSheet() == ""
    assert panel.photo_consent.text() == "Not recorded"  # photo consent is separate

    dialog = window.records.record_consent()
    dialog.kind.setCurrentIndex(1)  # photo
    assert not dialog.text_version.isEnabled()
    type_text(qtbot, dialog.witnessed_by, "Sam Witness")
    with qtbot.waitSignal(dialog.consent_recorded):
        _save(qtbot, dialog)
    assert panel.photo_consent.text().endswith("witnessed by Sam Witness")
    kinds = [c.kind for c in window.services.consents.for_patient(panel.patient.id)]
    assert kinds == ["treatment", "photo"]


def test_a_new_consent_text_version_asks_for_consent_again(qtbot, window):
    window.services.consents.record(window.panel.patient.id, Consent(
        "treatment", "1", date(2026, 11, 1), "Sam Witness"))
    dialog = window.records.edit_screen_rules()
    dialog.consent_version.clear()
    type_text(qtbot, dialog.consent_version, "2026-12")
    with qtbot.waitSignal(dialog.rules_saved):
        _save(qtbot, dialog)
    assert window.services.consents.current_version() == "2026-12"
    window.show_patient(window.panel.patient.id)
    assert window.panel.treatment_consent.text().startswith(
        "No treatment consent on the current text (version 2026-12); the last recorded "
        "is version 1 of 2026-11-01")


# -- archive ------------------------------------------------------------------------------
def test_archiving_hides_the_patient_until_archived_ones_are_shown(qtbot, window):
    patient = window.panel.patient
    window.records.archive_action.trigger()
    dialog = window.active_dialog
    assert isinstance(dialog, ArchivePatientDialog)
    click(qtbot, dialog.archive_button)
    assert dialog.isVisible()
    assert dialog.board.labels["archive_reason"].text() == "Reason for archiving is required."
    type_text(qtbot, dialog.reason, "Moved abroad")
    with qtbot.waitSignal(dialog.patient_archived):
        click(qtbot, dialog.archive_button)

    assert _names(window) == ["Other Patient"]
    assert window.services.patients.get(patient.id).archive_reason == "Moved abroad"
    click(qtbot, window.show_archived)
    assert _names(window) == ["Łucja <b>Nowak</b> (archived)", "Other Patient"]
    window.select_patient(patient.id)
    panel = window.panel
    assert panel.archived.isVisible()
    assert panel.archived.text().startswith("Archived on ")
    assert " — Moved abroad." in panel.archived.text()
    assert panel.summary_button.isEnabled()  # still viewable and printable
    window.records.sync_actions()
    assert not window.records.archive_action.isEnabled()  # archived once is enough

    click(qtbot, window.show_archived)
    assert _names(window) == ["Other Patient"]
    assert not panel.archived.isVisible()


# -- the clinic's screen --------------------------------------------------------------------
def test_the_rules_editor_adds_a_question_asked_in_the_next_session(qtbot, window):
    records = window.records
    assert records.screen_rules_action.isEnabled()  # jroe is an administrator
    records.screen_rules_action.trigger()
    dialog = window.active_dialog
    assert isinstance(dialog, ScreenRulesDialog)
    count = dialog.table.rowCount()
    assert count == len(window.services.screening.rules())

    click(qtbot, dialog.add_button)
    _save(qtbot, dialog)
    assert dialog.isVisible()
    assert f"Rule {count + 1}: the item is required." in dialog.rules_message.text()
    row = count
    type_text(qtbot, dialog.table.cellWidget(row, 0), "Gold threads in the area")
    dialog.table.cellWidget(row, 1).set_value(ScreenSeverity.STOP)
    dialog.table.cellWidget(row, 2).clear()
    type_text(qtbot, dialog.table.cellWidget(row, 2), "ever")
    click(qtbot, dialog.up_button)  # one place up
    assert dialog.rule_at(count - 1).item == "Gold threads in the area"
    click(qtbot, dialog.active_box(0))  # stop asking the first question
    with qtbot.waitSignal(dialog.rules_saved):
        _save(qtbot, dialog)

    editor = window.new_session()
    questions = [r.question for r in editor.screen_page.rows]
    assert len(questions) == count  # one added, one made inactive
    assert questions[-2].item == "Gold threads in the area"
    assert questions[-2].severity is ScreenSeverity.STOP and questions[-2].window == "ever"
    assert questions[0].item == "Active inflamed acne in the area"
    assert editor.screen_page.rows[-2].severity.text() == "Stop"
    editor._dirty = False
    editor.reject()


def test_only_an_administrator_edits_the_screen(qtbot, window):
    accounts = window.services.accounts
    accounts.add_user("anurse", "Ann Nurse", "Nurse", "", "another password")
    accounts.sign_in("anurse", "another password")
    window.records.sync_actions()  # what opening the Clinic menu does
    assert not window.records.screen_rules_action.isEnabled()
    assert window.records.edit_screen_rules() is None
    assert "Only an administrator" in window.records.message.text()


# -- documents are audited ------------------------------------------------------------------
def _preview(qtbot, window, button) -> PdfPreviewDialog:
    click(qtbot, button)
    with qtbot.waitSignal(window.report_task.finished, timeout=20_000):
        pass
    preview = window.active_dialog
    assert isinstance(preview, PdfPreviewDialog)
    return preview


def test_printing_and_saving_a_document_are_recorded(qtbot, window, tmp_path):
    patient = window.panel.patient
    session = window.services.sessions.save(patient.id, a_full_session())
    window.show_patient(patient.id)

    preview = _preview(qtbot, window, window.panel.session_report_button)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    with qtbot.waitSignal(preview.printed):
        preview.print_to(printer)
    preview.accept()
    summary = _preview(qtbot, window, window.panel.summary_button)
    with qtbot.waitSignal(summary.saved):
        summary.save_to(tmp_path / "summary")

    entries = [e for e in window.services.audit.find(patient_id=patient.id)
               if e.action in (Action.REPORT_PRINTED, Action.REPORT_SAVED)]
    saved, printed = entries  # newest first
    assert (printed.action, printed.session_id, printed.username) == (
        Action.REPORT_PRINTED, session.id, "jroe")
    assert '"document":"session"' in printed.details and '"pages":' in printed.details
    assert (saved.action, saved.session_id) == (Action.REPORT_SAVED, None)
    assert '"document":"summary"' in saved.details
    assert str(tmp_path / "summary.pdf") in saved.details


def test_a_saved_document_is_recorded_before_it_is_written_or_not_written(
        qtbot, window, tmp_path, monkeypatch):
    patient = window.panel.patient
    window.services.sessions.save(patient.id, a_full_session())
    window.show_patient(patient.id)
    summary = _preview(qtbot, window, window.panel.summary_button)
    target = tmp_path / "summary.pdf"
    recorded_first = []
    from practitioner_app.ui.dialogs import pdf_preview

    real_write = pdf_preview.write_file

    def write_after_looking(path, data):
        recorded_first.append([e.action for e in window.services.audit.find(
            patient_id=patient.id) if e.action == Action.REPORT_SAVED])
        return real_write(path, data)

    monkeypatch.setattr(pdf_preview, "write_file", write_after_looking)
    monkeypatch.setattr(pdf_preview.QMessageBox, "warning", lambda *a, **k: None)
    with qtbot.waitSignal(summary.saved):
        summary.save_to(target)
    assert recorded_first == [[Action.REPORT_SAVED]]  # the entry was there before the file

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    summary.save_to(blocker / "summary.pdf")  # a folder that is a file: cannot be written
    newest = window.services.audit.find(patient_id=patient.id)[:2]
    assert [e.action for e in newest] == [Action.NOT_WRITTEN, Action.REPORT_SAVED]
    assert str(blocker / "summary.pdf") in newest[0].details
    assert not (blocker / "summary.pdf").exists()


def test_a_consent_date_is_taken_exactly_as_typed_or_refused_by_name(qtbot, window):
    panel = window.panel
    before = panel.treatment_consent.text()
    dialog = window.records.record_consent()
    line = dialog.consent_date.line
    line.setFocus()
    line.setSelection(0, 4)  # the year, as a double-click selects it
    qtbot.keyClicks(line, "2026-02-30")
    type_text(qtbot, dialog.witnessed_by, "Sam Witness")
    _save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.board.labels["consent_date"].text().startswith(
        "Date given: 2026-02-30 is not a date on the calendar")
    assert panel.treatment_consent.text() == before  # nothing saved

    line.selectAll()
    qtbot.keyClicks(line, "2025-11-30")
    with qtbot.waitSignal(dialog.consent_recorded):
        _save(qtbot, dialog)
    assert panel.treatment_consent.text() == "Version 1 on 2025-11-30, witnessed by Sam Witness"
