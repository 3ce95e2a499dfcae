"""The windows stay up to date by themselves: a change saved in one view shows in every
other view of the window, and on a clinic server in the windows of other workstations,
without reopening anything; the search text and the selection stay as they were."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date, timedelta

import psycopg
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from practitioner_app.domain.changes import Changes, ConnectionState
from practitioner_app.domain.course import Course
from practitioner_app.domain.enums import Fitzpatrick, SessionStatus, Sex
from practitioner_app.ui.main_window import SERVER_BACK, SERVER_LOST
from tests.conftest import TEST_SERVER
from tests.factories import a_full_session, a_patient

from .helpers import click, type_text

TODAY = date.today()
#: The longest a notice from another workstation may take to show. It takes a few
#: milliseconds; the bound is generous because this machine is shared, and a waiting test
#: goes on the moment the notice arrives.
HEARD_WITHIN_MS = 5_000


def _in_course(day: date, status=SessionStatus.COMPLETED):
    session = a_full_session(session_date=day, course_number=1, status=status)
    aftercare = dataclasses.replace(session.aftercare, next_appointment=None)
    if status is SessionStatus.DRAFT:  # to be completed in the editor
        aftercare = dataclasses.replace(aftercare, given=False)
    return dataclasses.replace(session, aftercare=aftercare)


def _due_names(window) -> list[str]:
    table = window.course_actions.due_list.table
    return [table.item(row, 2).text() for row in range(table.rowCount())]


def _list_names(window) -> list[str]:
    model = window.patients
    return [model.data(model.index(row, 1)) for row in range(model.rowCount())]


# -- one window ------------------------------------------------------------------------------
def test_completing_a_session_in_the_editor_takes_the_patient_off_the_overdue_list(
        qtbot, start_app):
    window = start_app()
    s = window.services
    patient = s.patients.register(a_patient(full_name="Olive Overdue"))
    s.courses.save(patient.id, Course(0, TODAY - timedelta(days=120), planned_sessions=4))
    s.sessions.save(patient.id, _in_course(TODAY - timedelta(days=60)))
    draft = s.sessions.save(patient.id, _in_course(TODAY, SessionStatus.DRAFT))
    window.select_patient(patient.id)
    window.course_actions.due_list.refresh()
    assert _due_names(window) == ["Olive Overdue"]
    assert window.course_actions.due_list.table.item(0, 0).text().endswith("(overdue)")

    editor = window.open_session(draft.id)
    click(qtbot, editor.step_pages["aftercare"].given)
    with qtbot.waitSignal(editor.session_saved):
        click(qtbot, editor.complete_button)

    assert _due_names(window) == []  # next due in 28 days: neither due this week nor overdue
    assert window.panel.sessions.data(window.panel.sessions.index(0, 1)) == "Completed"


def test_a_patient_registered_in_the_dialog_is_listed_and_shown(qtbot, start_app):
    window = start_app()
    window.services.patients.register(a_patient(number="P000001", full_name="Ann Able"))
    type_text(qtbot, window.search, "a")
    dialog = window.new_patient()
    type_text(qtbot, dialog.full_name, "Bea Baker")
    type_text(qtbot, dialog.date_of_birth, "1990-01-02")
    dialog.sex.set_value(Sex.FEMALE)
    dialog.fitzpatrick.set_value(Fitzpatrick.II)
    with qtbot.waitSignal(dialog.patient_saved):
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))
    assert _list_names(window) == ["Ann Able", "Bea Baker"]
    assert window.search.text() == "a"
    assert window.panel.patient.full_name == "Bea Baker"
    assert window.count_label.text() == "2 patients"


def test_a_patient_saved_by_a_background_task_is_listed_by_the_gui_thread(qtbot, start_app):
    window = start_app()
    threads = []
    window.bus.changed.connect(lambda _changes: threads.append(threading.get_ident()))
    worker = threading.Thread(
        target=lambda: window.services.patients.register(a_patient(full_name="Wren Worker")))
    with qtbot.waitSignal(window.patients.updated, timeout=HEARD_WITHIN_MS):
        worker.start()
    worker.join()
    assert _list_names(window) == ["Wren Worker"]
    assert threads == [threading.get_ident()]


def test_a_file_shows_nothing_about_a_server_connection(start_app):
    window = start_app()
    assert window.bus.state is ConnectionState.LOCAL
    assert window.connection_label is None


# -- two workstations on one clinic server --------------------------------------------------
@pytest.fixture
def server_database(request):
    if not TEST_SERVER:
        pytest.skip("needs a PostgreSQL test server (PRACTITIONER_APP_TEST_PG)")
    databases = request.getfixturevalue("_server_template")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def workstations(qtbot, start_app, server_database):
    """Two main windows on one server database, signed in, each listening."""
    first, second = start_app(server_database), start_app(server_database)
    for window in (first, second):
        feed = window.services.changes
        qtbot.waitUntil(feed.listening.is_set, timeout=HEARD_WITHIN_MS)
    return first, second


def _heard_at(qtbot, window, save, patient_of=lambda saved: saved.id):
    """Run `save()` (at another workstation) and wait until `window` has brought its views
    up to date with it; returns what `save` returned."""
    saved = []

    def about_it(changes: Changes) -> bool:
        return bool(saved) and changes.touches_patient(patient_of(saved[0]))

    with qtbot.waitSignal(window.bus.changed, timeout=HEARD_WITHIN_MS,
                          check_params_cb=about_it):
        saved.append(save())
    return saved[0]


def test_a_patient_registered_at_one_workstation_appears_at_another_which_keeps_its_search(
        qtbot, workstations):
    a, b = workstations
    ann = _heard_at(qtbot, b, lambda: a.services.patients.register(
        a_patient(number="P000001", full_name="Ann Smith")))
    zed = _heard_at(qtbot, b, lambda: a.services.patients.register(
        a_patient(number="P000002", full_name="Zed Smith")))
    _heard_at(qtbot, b, lambda: a.services.patients.register(
        a_patient(number="P000003", full_name="Other Person")))
    type_text(qtbot, b.search, "smith")
    b.select_patient(zed.id)
    assert _list_names(b) == ["Ann Smith", "Zed Smith"]

    bea = _heard_at(qtbot, b, lambda: a.services.patients.register(
        a_patient(number="P000004", full_name="Bea Smith")))

    assert _list_names(b) == ["Ann Smith", "Bea Smith", "Zed Smith"]
    assert b.search.text() == "smith"
    assert b.current_patient_id() == zed.id  # the selection followed Zed to the third row
    assert b.panel.patient.id == zed.id
    assert b.count_label.text() == "3 patients"
    assert ann.id in b.patients._ids and bea.id in b.patients._ids


def test_a_session_saved_at_one_workstation_appears_in_the_patient_open_at_another(
        qtbot, workstations):
    a, b = workstations
    patient = _heard_at(qtbot, b, lambda: a.services.patients.register(
        a_patient(full_name="Pat Open")))
    type_text(qtbot, b.search, "pat")
    b.select_patient(patient.id)
    assert b.panel.sessions.rowCount() == 0

    _heard_at(qtbot, b, lambda: a.services.sessions.save(patient.id, a_full_session()),
              patient_of=lambda saved: saved.patient_id)

    assert b.panel.patient.id == patient.id
    assert b.panel.sessions.rowCount() == 1
    assert b.panel.sessions.data(b.panel.sessions.index(0, 1)) == "Completed"
    assert b.search.text() == "pat"
    assert b.current_patient_id() == patient.id


def test_a_courses_dialog_open_at_one_workstation_shows_a_session_given_at_another(
        qtbot, workstations):
    a, b = workstations
    patient = _heard_at(qtbot, b, lambda: a.services.patients.register(a_patient()))
    a.services.courses.save(patient.id, Course(0, TODAY - timedelta(days=90),
                                               planned_sessions=4))
    b.select_patient(patient.id)
    dialog = b.course_actions.open_courses()
    assert "0 of 4 sessions" in dialog.summary.text()
    type_text(qtbot, dialog.notes, "typed, not saved")

    _heard_at(qtbot, b, lambda: a.services.sessions.save(
        patient.id, _in_course(TODAY - timedelta(days=1))),
        patient_of=lambda saved: saved.patient_id)

    assert "1 of 4 sessions" in dialog.summary.text()
    assert dialog.notes.toPlainText() == "typed, not saved"
    assert [_due_names(w) for w in (a, b)] == [[], []]  # next due in 27 days


def test_a_lost_server_connection_is_said_in_the_status_bar_and_the_lists_read_again(
        qtbot, workstations, server_database):
    _a, b = workstations
    said = []
    b.bus.connection_changed.connect(lambda _state: said.append(b.connection_label.text()))
    cut = b.services.changes.listener_pid
    with qtbot.waitSignal(b.bus.changed, timeout=HEARD_WITHIN_MS,
                          check_params_cb=lambda changes: changes.everything):
        with psycopg.connect(server_database, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [cut])
    assert said == [SERVER_LOST, SERVER_BACK]
    assert b.connection_label.isVisible()
    assert b.services.changes.listener_pid != cut
