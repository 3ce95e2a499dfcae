"""The main window laid out for a demo clinic at 1280x800 and 1920x1080: enough session
rows, a due list that stays a glance, whole columns, and no column taking the width."""

from __future__ import annotations

import pytest

from practitioner_app.services.container import open_services

from .conftest import PASSWORD, USERNAME, ensure_admin


@pytest.fixture
def demo_clinic(db_path):
    """A demo clinic of 300 patients with 6 sessions each on average, added by the
    administrator; returns the id of a patient with a long series."""
    ensure_admin(db_path)
    services = open_services(db_path)
    try:
        services.accounts.sign_in(USERNAME, PASSWORD)
        services.demo.generate(300, seed=3, sessions_per_patient=6)
        ids = services.patients.search("")
        return max(ids, key=lambda pid: len(services.sessions.rows_for_patient(pid)))
    finally:
        services.close()


def resized(qtbot, window, width: int, height: int) -> None:
    window.showNormal()
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().toTuple() == (width, height))


def session_rows_visible(window) -> int:
    view = window.panel.session_view
    return view.viewport().height() // view.verticalHeader().defaultSectionSize()


def widest_share(view) -> float:
    """The widest column's share of the view's visible width."""
    header = view.horizontalHeader()
    return max(header.sectionSize(c) for c in range(header.count())) / view.viewport().width()


def columns_whole(view) -> bool:
    """Every column ends inside the visible width: none is cut off or scrolled to."""
    header = view.horizontalHeader()
    last = header.count() - 1
    return (header.sectionViewportPosition(last) + header.sectionSize(last)
            <= view.viewport().width())


def text_fits(view, column: int, text: str) -> bool:
    return view.horizontalHeader().sectionSize(column) > view.fontMetrics().horizontalAdvance(
        text)


def test_at_1280_by_800_the_patient_and_their_sessions_have_the_room(qtbot, start_app,
                                                                     demo_clinic):
    window = start_app()
    window.select_patient(demo_clinic)
    resized(qtbot, window, 1280, 800)
    # Three rows were visible before; the details now take two columns and rows are
    # as tall as their text.
    qtbot.waitUntil(lambda: session_rows_visible(window) >= 8)
    assert window.panel.sessions.rowCount() >= 8
    # The due list is a glance: four rows, well under a quarter of the window.
    due = window.course_actions.due_list
    assert due.rows  # the demo clinic has patients due
    dock = window.course_actions.dock
    assert dock.height() <= 0.2 * window.height()
    assert due.table.viewport().height() >= 3 * due.table.verticalHeader().defaultSectionSize()
    # Every column of the patient list is whole, the skin type and last visit included.
    patients = window.patient_view
    assert columns_whole(patients)
    for column, sample in ((0, "P000000"), (2, "2026-11-24"), (3, "VI ⚠"), (4, "2026-11-24")):
        assert text_fits(patients, column, sample)
    assert not patients.horizontalScrollBar().isVisible()
    # The consent line (red when missing) is on screen, not squeezed away.
    consent = window.panel.treatment_consent
    assert consent.isVisible() and consent.text()
    assert consent.height() >= consent.fontMetrics().height()
    window.grab().save(str(window.database_path.with_name("main-1280x800.png")))


def test_at_1920_by_1080_no_column_takes_most_of_the_width(qtbot, start_app, demo_clinic):
    window = start_app()
    window.select_patient(demo_clinic)
    resized(qtbot, window, 1920, 1080)
    sessions = window.panel.session_view
    qtbot.waitUntil(lambda: sessions.viewport().width() > 900)
    # The practitioner column took about two thirds of the session list.
    assert widest_share(sessions) < 0.4
    assert columns_whole(sessions)
    assert text_fits(sessions, 5, window.panel.sessions.data(
        window.panel.sessions.index(0, 5)))
    due = window.course_actions.due_list.table
    assert widest_share(due) < 0.4 and columns_whole(due)
    # The name column takes the patient list's spare width, not most of the window.
    patients = window.patient_view
    assert columns_whole(patients) and widest_share(patients) < 0.6
    assert window.panel.width() > 2 * patients.width()
    assert session_rows_visible(window) >= 20
    window.grab().save(str(window.database_path.with_name("main-1920x1080.png")))


def test_a_window_saved_tiny_and_off_screen_opens_whole_on_the_screen(qtbot, start_app):
    """A place saved on another monitor, or from a window shrunk to nothing, is not
    restored as it was: the window opens at a usable size, wholly on the screen."""
    from PySide6.QtWidgets import QMainWindow

    from practitioner_app.ui.settings import AppSettings

    shrunk = QMainWindow()
    qtbot.addWidget(shrunk)
    shrunk.resize(200, 120)
    shrunk.move(3000, 2500)
    AppSettings().set_geometry("main", shrunk.saveGeometry())
    window = start_app()
    room = window.screen().availableGeometry()
    frame = window.frameGeometry()
    assert room.contains(frame.topLeft()) and room.contains(window.geometry().bottomRight())
    assert window.width() >= min(1024, room.width() - 24)
    assert window.height() >= min(700, room.height() - 48)
