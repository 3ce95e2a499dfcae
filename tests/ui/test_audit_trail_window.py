"""The audit trail window on a long trail: it opens on the newest page at once, reads
older pages as the list is scrolled, filters through the database, and verifies the hash
chain on a thread of its own, from the last entry this computer verified, saying how far
it got and where the chain breaks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from practitioner_app.domain.audit_listing import PAGE_SIZE
from practitioner_app.ui.dialogs.audit_viewer import AuditViewerDialog
from tests.audit_trail_factory import add_trail
from tests.conftest import NOW
from tests.factories import a_patient
from tests.server_helpers import drop_protection, is_server, sql

from .conftest import FULL_NAME, PASSWORD, REGISTRATION, ROLE, USERNAME
from .helpers import click, type_text

#: Entries made for each test: enough for a hundred pages, made in about a second.
TRAIL = 20_000


@pytest.fixture
def trail(services, database):
    """An administrator signed in, three patients, then TRAIL entries by jroe, anurse and
    bsmith, one a minute from just after the fixed clock's now. Returns (services,
    database, patients, first id made, last id)."""
    services.accounts.create_first_admin(USERNAME, FULL_NAME, ROLE, REGISTRATION, PASSWORD)
    services.accounts.sign_in(USERNAME, PASSWORD)
    services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "NMC 99Z", "a long password1")
    patients = [services.patients.register(a_patient(number=f"P00000{n}",
                                                     full_name=f"Patient {n}"))
                for n in (1, 2, 3)]
    first, last = add_trail(database, TRAIL, NOW + timedelta(minutes=1),
                            patient_ids=tuple(p.id for p in patients))
    return services, database, patients, first, last


def open_viewer(qtbot, services) -> AuditViewerDialog:
    viewer = AuditViewerDialog(services)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    return viewer


def verified(qtbot, viewer) -> str:
    """What the window says once its verification is over."""
    if viewer.chain_result is None:
        with qtbot.waitSignal(viewer.chain_verified, timeout=60_000):
            pass
    return viewer.chain.text()


def ids(viewer) -> list[int]:
    return [int(viewer.model.text(r, 0)) for r in range(viewer.model.rowCount())]


def close(qtbot, viewer) -> None:
    viewer.close()
    qtbot.waitUntil(lambda: not viewer.verifier.running)


def test_the_window_opens_on_the_newest_page_and_reads_older_ones_as_it_scrolls(
        qtbot, trail, qtmodeltester):
    services, _database, _patients, _first, last = trail
    viewer = open_viewer(qtbot, services)
    assert ids(viewer) == list(range(last, last - PAGE_SIZE, -1))  # newest first, one page
    assert "older ones are read as you scroll down" in viewer.message.text()
    scroll_bar = viewer.table.verticalScrollBar()
    scroll_bar.setValue(scroll_bar.maximum())  # dragged to the end of the list
    qtbot.waitUntil(lambda: viewer.model.rowCount() == 2 * PAGE_SIZE)
    assert ids(viewer) == list(range(last, last - 2 * PAGE_SIZE, -1))
    viewer.table.scrollToBottom()
    qtbot.waitUntil(lambda: viewer.model.rowCount() == 3 * PAGE_SIZE)
    assert ids(viewer)[-1] == last - 3 * PAGE_SIZE + 1
    assert viewer.message.text().startswith(f"{3 * PAGE_SIZE:,} entries shown")
    qtmodeltester.check(viewer.model)
    verified(qtbot, viewer)


def test_the_first_page_shows_before_the_chain_is_verified(qtbot, trail):
    services, _database, _patients, _first, last = trail
    viewer = AuditViewerDialog(services)
    qtbot.addWidget(viewer)
    # The list is there before the chain's verification has even begun: it begins once
    # the window is shown, and its news comes through the event loop.
    assert viewer.model.rowCount() == PAGE_SIZE
    assert viewer.chain.text() == "Verifying the audit chain in the background…"
    heard = []
    viewer.verifier.progressed.connect(lambda state: heard.append(viewer.chain.text()))
    viewer.show()
    qtbot.waitUntil(lambda: viewer.verifier.started)
    assert viewer.model.rowCount() == PAGE_SIZE
    text = verified(qtbot, viewer)
    assert heard and all(h.startswith("Verifying the audit chain in the background: ")
                         and f"of {last:,} entries" in h for h in heard)
    assert text == (f"The audit chain holds: all {last:,} entries verified, up to entry "
                    f"{last:,}, the newest.")
    assert viewer.chain.styleSheet() == ""


def _choose(combo, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, [combo.itemText(i) for i in range(combo.count())]
    combo.setCurrentIndex(index)


def _column(viewer, column: int) -> set[str]:
    return {viewer.model.text(r, column) for r in range(viewer.model.rowCount())}


def test_each_filter_lists_only_its_entries_newest_first(qtbot, trail):
    services, _database, patients, first, last = trail
    viewer = open_viewer(qtbot, services)

    type_text(qtbot, viewer.patient_number, patients[1].number)
    click(qtbot, viewer.apply_button)
    assert _column(viewer, 4) == {patients[1].number}
    shown = ids(viewer)
    assert len(shown) == PAGE_SIZE and shown == sorted(shown, reverse=True)
    # Made entries about patients are the i with i % 4 != 0; patient i % 3.
    made = [first + i for i in range(TRAIL) if i % 4 and i % 3 == 1]
    assert shown == made[::-1][:PAGE_SIZE]

    viewer.patient_number.clear()
    _choose(viewer.user, "anurse — Ann Nurse")
    click(qtbot, viewer.apply_button)
    assert _column(viewer, 2) == {"anurse"}
    assert ids(viewer)[0] == max(first + i for i in range(TRAIL) if i % 3 == 1)

    _choose(viewer.user, "All practitioners")
    _choose(viewer.action, "Document printed")
    click(qtbot, viewer.apply_button)
    assert _column(viewer, 3) == {"Document printed"}
    assert ids(viewer)[0] == max(first + i for i in range(TRAIL) if i % 4 == 3)

    _choose(viewer.action, "All actions")
    day = (NOW + timedelta(days=2)).date()
    viewer.start.setDate(day)
    viewer.end.setDate(day)
    click(qtbot, viewer.apply_button)
    while viewer.model.canFetchMore():  # a whole day: 1,440 entries, page after page
        viewer.table.scrollToBottom()
        qtbot.wait(1)
    assert viewer.message.text() == "All 1,440 matching entries shown, newest first."
    assert {t[:10] for t in _column(viewer, 1)} == {day.isoformat()}

    # Every filter at once: jroe's printed documents about patient 3 on that day.
    _choose(viewer.user, f"{USERNAME} — {FULL_NAME}")
    _choose(viewer.action, "Document printed")
    type_text(qtbot, viewer.patient_number, patients[0].number)
    click(qtbot, viewer.apply_button)
    assert viewer.model.rowCount() > 0
    assert {(r[1][:10], r[2], r[3], r[4]) for r in _rows(viewer)} == {
        (day.isoformat(), USERNAME, "Document printed", patients[0].number)}
    verified(qtbot, viewer)


def _rows(viewer) -> list[tuple[str, ...]]:
    return [tuple(viewer.model.text(r, c) for c in range(7))
            for r in range(viewer.model.rowCount())]


def test_a_refused_filter_is_said_and_lists_nothing(qtbot, trail):
    services, *_rest = trail
    viewer = open_viewer(qtbot, services)
    type_text(qtbot, viewer.patient_number, "NOBODY")
    click(qtbot, viewer.apply_button)
    assert viewer.model.rowCount() == 0 and "NOBODY" in viewer.message.text()
    viewer.patient_number.clear()
    viewer.end.setDate(date(2001, 1, 1))
    click(qtbot, viewer.apply_button)
    assert viewer.model.rowCount() == 0 and viewer.message.text() == "No entries match."
    verified(qtbot, viewer)


def test_the_next_opening_verifies_only_the_entries_added_since(qtbot, trail):
    services, database, _patients, _first, last = trail
    viewer = open_viewer(qtbot, services)
    verified(qtbot, viewer)
    close(qtbot, viewer)
    _first_new, newest = add_trail(database, 7, NOW + timedelta(days=30))
    again = open_viewer(qtbot, services)
    assert again.model.text(0, 0) == str(newest)
    text = verified(qtbot, again)
    assert text.startswith(f"The audit chain holds up to entry {newest:,}, the newest: the "
                           "7 entries added since were verified now; entries up to "
                           f"{last:,} were verified on this computer on ")
    close(qtbot, again)
    third = open_viewer(qtbot, services)
    assert "no entry was added since" in verified(qtbot, third)


def test_an_altered_entry_is_reported_as_the_break(qtbot, trail):
    services, database, _patients, first, last = trail
    drop_protection(database, "audit_log", "UPDATE")
    sql(database, f"UPDATE audit_log SET username = 'someone else' WHERE id = {first + 5000}")
    viewer = open_viewer(qtbot, services)
    assert verified(qtbot, viewer) == (
        f"The audit chain is BROKEN: entry {first + 5000} was altered. It holds up to "
        f"entry {first + 4999:,}.")
    assert "#b00020" in viewer.chain.styleSheet()
    assert viewer.model.rowCount() == PAGE_SIZE  # the list is still there to read


def test_an_entry_altered_after_the_last_verification_is_found_next_time(qtbot, trail):
    services, database, _patients, _first, last = trail
    viewer = open_viewer(qtbot, services)
    assert "holds" in verified(qtbot, viewer)
    close(qtbot, viewer)
    new_first, _newest = add_trail(database, 50, NOW + timedelta(days=30))
    drop_protection(database, "audit_log", "UPDATE")
    sql(database, f"UPDATE audit_log SET username = 'someone else' WHERE id = {new_first + 20}")
    again = open_viewer(qtbot, services)
    assert verified(qtbot, again).startswith(
        f"The audit chain is BROKEN: entry {new_first + 20} was altered.")


def test_a_rewritten_checkpoint_entry_means_the_whole_chain_is_verified_again(qtbot, trail):
    services, database, _patients, _first, last = trail
    viewer = open_viewer(qtbot, services)
    verified(qtbot, viewer)
    close(qtbot, viewer)
    # The entry this computer verified last no longer has its hash: the trail was
    # rewritten (or restored). Nothing since that entry can be taken as verified.
    drop_protection(database, "audit_log", "UPDATE")
    sql(database, f"UPDATE audit_log SET hash = '{'0' * 64}' WHERE id = {last}")
    again = open_viewer(qtbot, services)
    text = verified(qtbot, again)
    assert text.startswith(f"Warning: entry {last} no longer has the hash it had when this "
                           "computer verified it on ")
    assert text.endswith(f"The audit chain is BROKEN: entry {last} was altered. It holds up "
                         f"to entry {last - 1:,}.")


def test_a_trail_cut_short_is_said_even_where_the_rest_holds(qtbot, trail):
    services, database, _patients, _first, last = trail
    viewer = open_viewer(qtbot, services)
    verified(qtbot, viewer)
    close(qtbot, viewer)
    drop_protection(database, "audit_log", "DELETE")
    sql(database, f"DELETE FROM audit_log WHERE id > {last - 10}")
    again = open_viewer(qtbot, services)
    text = verified(qtbot, again)
    assert text.startswith(f"Warning: entry {last}, verified on this computer on ")
    assert "is no longer in the trail" in text and "rewritten or cut short" in text
    if not is_server(database):  # SQLite's counter also names the first entry removed
        assert text.endswith(f"BROKEN: entry {last - 9} is missing (removed from the end). "
                             f"It holds up to entry {last - 10:,}.")
    assert "#b00020" in again.chain.styleSheet()



def test_closing_the_window_stops_the_verification_and_keeps_what_it_verified(qtbot, trail):
    services, _database, _patients, _first, last = trail
    viewer = open_viewer(qtbot, services)
    heard = []
    viewer.verifier.progressed.connect(heard.append)
    qtbot.waitUntil(lambda: len(heard) >= 2)  # half way through the chain
    verifier = viewer.verifier
    viewer.close()
    assert verifier._stop.is_set()
    qtbot.waitUntil(lambda: not verifier.running)
    assert viewer.chain_result is None  # stopped, not finished: nothing more is said
    again = open_viewer(qtbot, services)
    state = again.chain_result if again.chain_result else None
    if state is None:
        with qtbot.waitSignal(again.chain_verified, timeout=60_000) as signal:
            pass
        state = signal.args[0]
    assert state.earlier is not None and 0 < state.earlier.entry_id < last
    assert state.done == last - state.earlier.entry_id and state.problem is None


def test_a_window_destroyed_with_its_parent_stops_the_verification(qtbot, trail):
    from PySide6.QtWidgets import QWidget

    services, *_rest = trail
    parent = QWidget()  # the main window, as far as the audit window is concerned
    viewer = AuditViewerDialog(services, parent)
    viewer.show()
    qtbot.waitUntil(lambda: viewer.verifier.running)
    verifier = viewer.verifier
    parent.deleteLater()  # the audit window goes with it, never closed by itself
    qtbot.waitUntil(lambda: verifier._stop.is_set())
    qtbot.waitUntil(lambda: not verifier.running)
