"""A clinic file the app left cleanly opens without waiting for `PRAGMA quick_check`; the
check runs after sign-in, and damage it finds stops the window working on the file and
offers the newest good backup, as a damaged file at start-up does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QCoreApplication

from practitioner_app.persistence.assessment import State
from practitioner_app.persistence.file_seal import seal_path, sealed_check, write_seal
from practitioner_app.services.backup import BackupService
from practitioner_app.ui import startup
from practitioner_app.ui.dialogs.recovery_dialog import RestoreDialog
from practitioner_app.ui.workers import wait_for_background
from tests.safety_helpers import damage, sha256

pytestmark = pytest.mark.sqlite_only


@pytest.fixture(autouse=True)
def _check_at_once(monkeypatch):
    monkeypatch.setattr(startup.Opening, "CHECK_DELAY_MS", 0)


def close(window) -> None:
    """Close the window as the clinician does, and wait until its database is let go
    (which may happen on the worker thread, after a closing backup)."""
    window.close()
    wait_for_background()
    QCoreApplication.processEvents()


def checked(qtbot, window):
    """The answer of the check left for after sign-in."""
    with qtbot.waitSignal(window.opening.checked, timeout=30_000) as answered:
        pass
    return answered.args[0]


def test_closing_the_window_seals_the_file_and_the_next_start_checks_later(
        qtbot, start_app, db_path):
    close(start_app())
    sealed_at = sealed_check(db_path)
    assert sealed_at is not None
    window = start_app()  # signed in on a file opened without its quick_check
    assert not seal_path(db_path).exists()  # open for writing: a crash leaves no seal
    found = checked(qtbot, window)
    assert found.state is State.OK
    assert window.services is not None and window.centralWidget().isVisible()
    close(window)
    assert sealed_check(db_path) == found.checked_at >= sealed_at


def test_damage_found_after_sign_in_stops_the_window_and_offers_the_backup(
        qtbot, start_app, db_path):
    close(start_app())
    backup = BackupService(db_path, db_path.parent / "backups")
    good = backup.back_up()
    backup.close()
    damage(db_path, "ix_treatment_sessions_serum_lot")  # read by a lot recall only
    # As if the disk had decayed under a sealed file: nothing about it changed.
    assert write_seal(db_path, datetime.now(UTC).isoformat(timespec="seconds"))
    backups = sorted((db_path.parent / "backups").iterdir())
    window = start_app()
    # Opened and signed in: the start did not check the whole file (quick_check finds
    # the damage, as the next lines show).
    assert window.services is not None and window.centralWidget().isVisible()
    found = checked(qtbot, window)
    assert found.state is State.DAMAGED
    shown = window.opening.shown
    assert isinstance(shown, RestoreDialog) and shown.isVisible()
    assert f"The database {db_path} is damaged" in shown.heading.text()
    assert f"The newest good backup is {good.name}" in shown.heading.text()
    # Nothing works on the file any more: records hidden, no services, nothing written.
    assert window.services is None and not window.centralWidget().isVisible()
    assert not window.access.sign_in_dialog.isVisible()
    after = sha256(db_path)
    shown.reject()  # Quit
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert sha256(db_path) == after
    assert sealed_check(db_path) is None  # never sealed as checked
    assert sorted((db_path.parent / "backups").iterdir()) == backups  # none of it
