"""File ▸ Check database: a window says which check runs and how far it is while the
checks run on the worker thread, and its Cancel button stops them; a cancelled check is
told as cancelled, never as sound."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton

from practitioner_app.services import backup as backup_module
from practitioner_app.services.backup import CHECKS, Check
from tests.factories import a_full_session, a_patient

from .helpers import click


@pytest.fixture
def window(start_app):
    window = start_app()
    patient = window.services.patients.register(a_patient())
    window.services.sessions.save(patient.id, a_full_session())
    return window


def test_the_check_window_names_each_check_in_turn(qtbot, window, monkeypatch):
    """A first check waits until the test watches the window; then every real check is
    shown in turn, starting at nothing done."""
    watching = threading.Event()
    monkeypatch.setattr(backup_module, "CHECKS", [
        Check("waiting", lambda con: [] if watching.wait(30) else ["not watched"]),
        *CHECKS])
    safety = window.data_safety
    with qtbot.waitSignal(safety.checked, timeout=30_000) as checked:
        safety.check_action.trigger()
        shown = safety.check_window
        assert window.active_dialog is shown and shown.isVisible()
        seen = []
        shown.reported.connect(lambda status: seen.append(status))
        watching.set()
    seen = [s for s in seen if s.check != "waiting"]  # it may have started before
    assert checked.args[0].ok
    names = [c.name for c in CHECKS]
    assert list(dict.fromkeys(s.check for s in seen)) == names
    starts = [s for s in seen if s.done == 0 and s.total is None]
    assert [(s.check, s.number) for s in starts] == list(zip(names, range(2, 9), strict=True))
    assert {s.count for s in seen} == {len(names) + 1}
    assert not shown.isVisible()
    assert "No problems found" in window.active_dialog.text()


def test_cancel_stops_the_check_and_says_it_was_cancelled(qtbot, window, monkeypatch):
    """The first check reads the records over and over until it is stopped, saying how
    far it is each time; the window shows it, and Cancel stops it."""
    stopped = threading.Event()

    def reads_until_stopped(con, progress):
        progress.total(1000)
        give_up = time.monotonic() + 60
        done = 0
        try:
            while time.monotonic() < give_up:
                con.execute("SELECT count(*) FROM treatment_sessions").fetchone()
                done = min(done + 1, 999)
                progress.step(done)
        finally:
            stopped.set()
        return ["never cancelled"]

    monkeypatch.setattr(backup_module, "CHECKS",
                        [Check("reading on", reads_until_stopped, reports=True), *CHECKS])
    safety = window.data_safety
    safety.check_action.trigger()
    shown = safety.check_window
    qtbot.waitUntil(lambda: shown.status is not None and shown.value() > 0, timeout=20_000)
    assert shown.labelText().startswith("Check 1 of 8: reading on, ")
    assert shown.maximum() > 0

    cancel = shown.findChild(QPushButton)
    assert cancel.text().replace("&", "") == "Cancel"
    with qtbot.waitSignal(safety.checked, timeout=20_000) as checked:
        click(qtbot, cancel)
        assert shown.labelText() == "Cancelling the check…"
    assert stopped.is_set()
    report = checked.args[0]
    assert report.cancelled == "reading on" and not report.ok
    assert report.results == () and report.not_run == tuple(c.name for c in CHECKS)
    told = window.active_dialog
    assert isinstance(told, QMessageBox)
    assert told.windowTitle() == "Database check cancelled"
    assert "reading on: cancelled before it finished" in told.text()
    assert "integrity: not run" in told.text()
    assert "No problems" not in told.text()
    assert not shown.isVisible()


def test_a_finished_check_window_never_shows_again(qtbot):
    """QProgressDialog shows itself, from a timer of its own or from a value set before it
    has "shown once"; once the check is over, neither brings its window back."""
    from practitioner_app.ui.check_progress import CheckProgressDialog

    dialog = CheckProgressDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.finish()
    assert not dialog.isVisible()
    dialog.forceShow()  # what its own timer calls
    dialog.setRange(0, 10)
    dialog.setValue(5)
    assert not dialog.isVisible()


def test_a_large_clinics_checks_run_side_by_side_and_the_window_says_so(
        qtbot, window, monkeypatch):
    """Treated as large: the checks run in worker processes at once; the window names
    those running and the share done, and the result is the one-process result."""
    from practitioner_app.services import check_parallel

    window.services.demo.generate(10, seed=2)
    monkeypatch.setattr(check_parallel, "PARALLEL_FROM", 0)
    monkeypatch.setattr(check_parallel, "workers", lambda: 2)
    safety = window.data_safety
    with qtbot.waitSignal(safety.checked, timeout=60_000) as checked:
        safety.check_action.trigger()
        seen = []
        safety.check_window.reported.connect(lambda status: seen.append(status.text()))
    assert checked.args[0].ok
    assert [r.name for r in checked.args[0].results] == [c.name for c in CHECKS]
    assert any(text.startswith("Checking: ") for text in seen), seen
    assert "No problems found" in window.active_dialog.text()
