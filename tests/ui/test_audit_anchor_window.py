"""Clinic ▸ Audit anchor…: an administrator prints or saves the newest audit entry's
number and hash with the command that checks them, through the real window."""

from __future__ import annotations

import shlex
import subprocess

from PySide6.QtPrintSupport import QPrinter

from practitioner_app.app import main
from practitioner_app.cli import EXIT_OK
from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.ui.dialogs.audit_anchor_dialog import AuditAnchorDialog
from tests.factories import HOSTILE_NAMES


def _text(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_an_administrator_prints_and_saves_the_audit_anchor(qtbot, start_app, db_path,
                                                            tmp_path, capsys):
    window = start_app()
    window.services.clinic.save_profile(ClinicProfile(name=HOSTILE_NAMES[3]))
    head = window.services.audit.head()
    entries = len(window.services.audit.find())
    assert window.access.audit_anchor_action.isEnabled()

    window.access.audit_anchor_action.trigger()
    dialog = window.active_dialog
    assert isinstance(dialog, AuditAnchorDialog) and dialog.isVisible()
    assert f"entry {head.id}" in dialog.windowTitle()
    command = dialog.explanation.text().splitlines()[-1]
    assert command.endswith(f"audit verify --expect {head.id}:{head.hash}")

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    with qtbot.waitSignal(dialog.printed):
        dialog.print_to(printer)
    with qtbot.waitSignal(dialog.saved):
        dialog.save_to(tmp_path / "anchor")
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")  # page images
    text = _text(tmp_path / "anchor.pdf")
    assert head.hash in text and HOSTILE_NAMES[3] in text
    assert f"--expect {head.id}:{head.hash}" in " ".join(text.split())

    assert len(window.services.audit.find()) == entries  # an anchor records nothing
    window.close()
    assert main(shlex.split(command)[1:]) == EXIT_OK  # the command shown is the check
    assert "The audit trail holds" in capsys.readouterr().out


def test_a_practitioner_who_is_not_an_administrator_cannot_take_an_anchor(qtbot, start_app):
    window = start_app()
    window.services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "", "a long password1")
    window.close()
    again = start_app(signed_in=False)
    dialog = again.access.sign_in_dialog
    dialog.username.setText("anurse")
    dialog.password.setText("a long password1")
    assert dialog.attempt()
    assert again.centralWidget().isVisible()
    assert not again.access.audit_anchor_action.isEnabled()
