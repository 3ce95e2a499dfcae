from __future__ import annotations

import pytest

from practitioner_app.app import main


@pytest.fixture
def start_app(qtbot, db_path):
    """Start the real app on the test's database file; returns its main window.
    May be called again to simulate closing and reopening the app."""
    windows = []

    def start(path=None):
        window = main(["--db", str(path or db_path)], exec_=False)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield start
    for window in windows:
        window.close()
