"""A workstation on the clinic server while the server goes away: the patient being
registered is refused with a plain message, every typed field stays, and the same Save
works once the server is back."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from practitioner_app.app import main
from practitioner_app.domain.enums import Fitzpatrick, Sex
from tests.conftest import TEST_SERVER
from tests.server_databases import OwnServer
from tests.server_helpers import query

from .conftest import PASSWORD, USERNAME, ensure_admin, wait_until_open
from .helpers import click, type_text

pytestmark = pytest.mark.skipif(not TEST_SERVER, reason="no test PostgreSQL server given")


@pytest.fixture
def own_server():
    server = OwnServer(54332)
    yield server
    server.remove()


def test_a_patient_typed_while_the_server_is_away_is_kept_and_saved_when_it_is_back(
        qtbot, own_server):
    url = own_server.database("clinic")
    ensure_admin(url)
    window = main(["--db", url], exec_=False)
    qtbot.addWidget(window)
    wait_until_open(qtbot, window)
    dialog = window.access.sign_in_dialog
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    assert dialog.attempt(), dialog.message.text()
    assert url.split("?")[0] in window.statusBar().currentMessage()

    editor = window.new_patient()
    type_text(qtbot, editor.full_name, "Zoë O'Brien <b>")
    type_text(qtbot, editor.date_of_birth, "1984-02-29")
    editor.sex.set_value(Sex.FEMALE)
    editor.fitzpatrick.set_value(Fitzpatrick.III)
    save = editor.buttons.button(QDialogButtonBox.StandardButton.Save)

    own_server.stop()
    try:
        click(qtbot, save)
        assert editor.isVisible()
        assert "cannot be reached" in _all_text(editor)
        assert editor.full_name.text() == "Zoë O'Brien <b>"
        assert editor.date_of_birth.text() == "1984-02-29"
    finally:
        own_server.start()

    with qtbot.waitSignal(editor.patient_saved, timeout=10_000):
        click(qtbot, save)
    assert query(url, "SELECT full_name FROM patients") == [("Zoë O'Brien <b>",)]
    window.close()


def _all_text(widget) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in widget.findChildren(QLabel))


def test_the_status_bar_says_the_server_is_back_without_a_stale_failure_beside_it(
        qtbot, own_server):
    from practitioner_app.domain.errors import ServerUnavailable
    from practitioner_app.ui.main_window import NOT_UPDATED, SERVER_BACK, SERVER_LOST

    url = own_server.database("clinic_status")
    ensure_admin(url)
    window = main(["--db", url], exec_=False)
    qtbot.addWidget(window)
    wait_until_open(qtbot, window)
    dialog = window.access.sign_in_dialog
    dialog.username.setText(USERNAME)
    dialog.password.setText(PASSWORD)
    assert dialog.attempt(), dialog.message.text()
    bar = window.statusBar()

    own_server.stop()
    try:
        # A view read again before the listener noticed: the failure is said...
        window._not_updated(ServerUnavailable("The database server cannot be reached."))
        assert bar.currentMessage().startswith(NOT_UPDATED)
        qtbot.waitUntil(lambda: window.connection_label.text() == SERVER_LOST,
                        timeout=30_000)
        # Typing a search meanwhile is no error over the window (pytest-qt fails the
        # test on an exception in a Qt callback): the field keeps what was typed.
        type_text(qtbot, window.search, "zz")
        assert window.search.text() == "zz"
    finally:
        own_server.start()
    # ...and once the server is back, every view is read again: the failure goes, and
    # the list answers the search as typed.
    qtbot.waitUntil(lambda: window.connection_label.text() == SERVER_BACK, timeout=30_000)
    assert not bar.currentMessage().startswith(NOT_UPDATED)
    qtbot.waitUntil(lambda: window.patients.query == "zz", timeout=10_000)
    assert window.patients.rowCount() == 0
    window.close()
