"""The audit trail read a page at a time: every filter reads its index (EXPLAIN on the very
statements the service sends), pages follow each other without gaps or repeats, and the
chain's verification walks it a slice at a time from a checkpoint kept per database."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from practitioner_app.domain.audit import Anchor
from practitioner_app.domain.audit_listing import AuditFilter
from practitioner_app.services.audit_verification import CheckpointFile
from tests.audit_trail_factory import add_trail
from tests.conftest import NOW
from tests.factories import a_patient
from tests.server_helpers import drop_protection, is_server, raw_connection, sql
from tests.sql_capture import sent_sql

DAY = NOW + timedelta(days=1)

#: Each filter the window offers, alone and with a date range, and the index it reads.
FILTERS = {
    "none": (lambda p: AuditFilter(), "ix_audit_log_at"),
    "date range": (lambda p: AuditFilter(start=DAY, end=DAY + timedelta(days=1)),
                   "ix_audit_log_at"),
    "patient": (lambda p: AuditFilter(patient_id=p), "ix_audit_log_patient_at"),
    "patient and dates": (lambda p: AuditFilter(patient_id=p, start=DAY),
                          "ix_audit_log_patient_at"),
    "practitioner": (lambda p: AuditFilter(username="anurse"), "ix_audit_log_username_at"),
    "practitioner and dates": (lambda p: AuditFilter(username="anurse", end=DAY),
                               "ix_audit_log_username_at"),
    "action": (lambda p: AuditFilter(label="Document printed"), "ix_audit_log_action_at"),
    "action and dates": (lambda p: AuditFilter(label="Session created", start=DAY,
                                               end=DAY + timedelta(days=1)),
                         "ix_audit_log_action_at"),
    "action of several labels": (lambda p: AuditFilter(label="Patient details changed"),
                                 "ix_audit_log_action_at"),
}


@pytest.fixture
def trail(services, database):
    """Three patients and 3,000 entries, one a minute from just after now."""
    patients = [services.patients.register(a_patient(number=f"P00000{n}")) for n in (1, 2, 3)]
    first, last = add_trail(database, 3000, NOW + timedelta(minutes=1),
                            patient_ids=tuple(p.id for p in patients))
    return services, database, patients[0].id, first, last


def _statements(services, wanted: AuditFilter):
    """(first page's SQL, the next page's SQL), each with its parameters."""
    with sent_sql(services, selects_only=True) as first:
        page = services.audit.page(wanted)
    assert page.after is not None, "the test wants a second page"
    with sent_sql(services, selects_only=True) as second:
        services.audit.page(wanted, page.after)
    [one] = [s for s in first if "audit_log" in s[0]]
    [two] = [s for s in second if "audit_log" in s[0]]
    return one, two


@pytest.mark.sqlite_only  # the query plans of the embedded SQLite file
@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_reads_its_index_in_the_listing_order_on_sqlite(trail, name):
    services, database, patient_id, _first, _last = trail
    make, index = FILTERS[name]
    for number, (text, params) in enumerate(_statements(services, make(patient_id))):
        # A page is a LIMIT after a keyset; SQLite's dialect writes an OFFSET of 0.
        assert re.search(r"\bLIMIT \? OFFSET \?$", text) and params[-1] == 0, (text, params)
        with raw_connection(database) as con:
            plan = [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {text}", params)]
        [audit] = [line for line in plan if " audit_log " in f"{line} "]
        # The index gives the order (no sort of the matches) and seeks the filter's
        # value and the page's start. The one walk of an index without a value to seek
        # is the unfiltered first page: from the index's end, stopped by the LIMIT.
        assert f"USING INDEX {index} " in f"{audit} ", plan
        assert not any("TEMP B-TREE" in line for line in plan), plan
        if number or name != "none":
            assert audit.startswith("SEARCH audit_log"), plan
        else:
            assert audit == f"SCAN audit_log USING INDEX {index}", plan
        # The patient's number comes by its primary key, never by reading patients.
        assert any(line.startswith("SEARCH patients USING INTEGER PRIMARY KEY")
                   for line in plan), plan


@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_reads_its_index_in_the_listing_order_on_the_server(trail, name):
    services, database, patient_id, _first, _last = trail
    if not is_server(database):
        pytest.skip("the server's plans; SQLite's are checked above")
    make, index = FILTERS[name]
    for text, params in _statements(services, make(patient_id)):
        with raw_connection(database) as con:
            # 3,000 rows are few enough for the planner to prefer reading them all; with
            # whole-table reads and sorts priced out, a plan that still needs either
            # means no index serves the query in its order.
            for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
                con.execute(f"SET LOCAL {setting} = off")
            plan = [row[0] for row in con._con.execute(f"EXPLAIN {text}", params)]
        assert re.search(r"\bLIMIT\b", text) and "OFFSET" not in text  # after a keyset
        joined = "\n".join(plan)
        assert re.search(rf"Index (Only )?Scan (Backward )?using {index} on audit_log",
                         joined), joined
        assert "Seq Scan on audit_log" not in joined and "Sort" not in joined, joined


def _all_pages(services, wanted: AuditFilter, limit: int = 97) -> list[int]:
    ids, page = [], services.audit.page(wanted, limit=limit)
    while True:
        ids += [r.entry.id for r in page.rows]
        if page.after is None:
            return ids
        page = services.audit.page(wanted, page.after, limit=limit)


def test_pages_follow_each_other_without_gaps_or_repeats(trail):
    services, _database, patient_id, first, last = trail
    everything = _all_pages(services, AuditFilter())
    assert everything[:3000] == list(range(last, first - 1, -1))
    assert len(everything) == len(set(everything)) == last
    theirs = _all_pages(services, AuditFilter(patient_id=patient_id, username="jroe"))
    made = [first + i for i in range(3000) if i % 4 and i % 3 == 0]  # patient i % 3 == 0
    assert theirs == made[::-1]


def test_entries_recorded_in_the_same_instant_are_neither_lost_nor_repeated(services,
                                                                             database):
    # Several entries share one time (a fixed clock, or a fast machine): the page's end
    # is the time AND the number, so a page boundary inside them loses none.
    for n in range(25):
        services.audit.log("report printed", n=n)
    shown = _all_pages(services, AuditFilter(label="Document printed"), limit=4)
    assert len(shown) == len(set(shown)) == 25 and shown == sorted(shown, reverse=True)


def test_a_label_shared_by_an_action_keeps_only_its_own_entries(services):
    patient = services.patients.register(a_patient())
    for n in range(6):  # an older version's course saves, among patient changes
        services.audit.log("patient changed", patient_id=patient.id, course=n)
        services.audit.log("patient changed", patient_id=patient.id, field="allergies")
    courses = services.audit.page(AuditFilter(label="Course saved"), limit=4)
    assert [json.loads(r.entry.details)["course"] for r in courses.rows] == [5, 4, 3, 2]
    rest = services.audit.page(AuditFilter(label="Course saved"), courses.after, limit=4)
    assert [json.loads(r.entry.details)["course"] for r in rest.rows] == [1, 0]
    changed = _all_pages(services, AuditFilter(label="Patient details changed"), limit=4)
    assert len(changed) == 6


def test_only_an_administrator_reads_the_trail(services, database):
    from practitioner_app.domain.errors import PermissionDenied
    from tests.ui.conftest import FULL_NAME, PASSWORD, REGISTRATION, ROLE, USERNAME

    services.accounts.create_first_admin(USERNAME, FULL_NAME, ROLE, REGISTRATION, PASSWORD)
    services.accounts.sign_in(USERNAME, PASSWORD)
    services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "NMC 99Z", "a long password1")
    services.accounts.sign_in("anurse", "a long password1")
    with pytest.raises(PermissionDenied):
        services.audit.page(AuditFilter())


# --- verification a slice at a time --------------------------------------------------------

def test_verification_from_the_checkpoint_reads_only_the_new_entries(trail):
    services, database, _patient, _first, last = trail
    state = services.audit.verify_in_steps(services.location)
    assert (state.finished, state.problem, state.done, state.holds_to) == (True, None, last,
                                                                            last)
    held = CheckpointFile(services.location).read()
    assert held.point.entry_id == last
    new_first, newest = add_trail(database, 30, NOW + timedelta(days=9))
    with sent_sql(services, selects_only=True) as statements:
        again = services.audit.verify_in_steps(services.location)
    assert (again.done, again.holds_to, again.earlier.entry_id) == (30, newest, last)
    # Only the new entries were read (and the checkpoint entry, by its number).
    slices = [params for text, params in statements if "audit_log.id >" in text]
    assert slices
    first_slice = slices[0]
    after = (first_slice["id_1"] if isinstance(first_slice, dict) else first_slice[0])
    assert after == last


def test_the_checkpoint_is_a_file_per_database_on_this_computer(services, new_database,
                                                                tmp_path):
    services.audit.log("sign-in")
    services.audit.verify_in_steps(services.location)
    mine = CheckpointFile(services.location)
    assert mine.path.is_file() and mine.path.stat().st_mode & 0o077 == 0  # owner-only
    from practitioner_app.services.container import open_services

    other = open_services(new_database("other"), clock=lambda: NOW)
    try:
        assert CheckpointFile(other.location).path != mine.path
        assert CheckpointFile(other.location).read() is None
    finally:
        other.close()
    mine.path.write_text("not a checkpoint")  # unreadable: verified from the first entry
    state = services.audit.verify_in_steps(services.location)
    assert state.earlier is None and state.problem is None and state.finished


def test_a_stopped_verification_keeps_what_it_verified(trail):
    services, _database, _patient, _first, last = trail
    seen = []
    state = services.audit.verify_in_steps(
        services.location, progress=seen.append, cancelled=lambda: len(seen) > 1)
    assert state.cancelled and not state.finished and 0 < state.holds_to < last
    kept = CheckpointFile(services.location).read()
    assert kept.point.entry_id == state.holds_to
    rest = services.audit.verify_in_steps(services.location)
    assert (rest.finished, rest.earlier.entry_id, rest.done) == (
        True, state.holds_to, last - state.holds_to)


def test_the_full_verify_still_reads_every_entry_and_its_anchor(trail):
    services, database, _patient, first, last = trail
    head = services.audit.head()
    services.audit.verify_in_steps(services.location)
    assert services.audit.verify(Anchor(head.id, head.hash)) == (last, None)
    assert services.audit.verify(Anchor(None, head.hash)) == (last, None)
    drop_protection(database, "audit_log", "UPDATE")
    sql(database, f"UPDATE audit_log SET username = 'x' WHERE id = {first + 10}")
    # The window's walk starts at its checkpoint, past the change; the full check finds it.
    assert services.audit.verify_in_steps(services.location).problem is None
    assert services.audit.verify() == (first + 9, f"entry {first + 10} was altered")


def test_memory_and_reads_stay_a_slice_at_a_time(trail, monkeypatch):
    import practitioner_app.services.audit as audit_service

    services, _database, _patient, _first, last = trail
    monkeypatch.setattr(audit_service, "SLICE", 1000)  # a few slices of this small trail
    with sent_sql(services, selects_only=True) as statements:
        assert services.audit.verify() == (last, None)
    slices = [text for text, _params in statements if "audit_log.id >" in text]
    assert len(slices) == -(-last // 1000) and all("LIMIT" in text for text in slices)
    assert not any("FROM audit_log ORDER BY audit_log.id" in text and "LIMIT" not in text
                   for text, _params in statements)


def test_the_stored_times_sort_as_the_service_compares_them(services, database):
    # The page boundary compares times in the database: the times the app writes and
    # those it binds must sort alike (SQLite keeps them as text).
    services.audit.log("sign-in")
    with raw_connection(database) as con:
        [(stored,)] = con.execute("SELECT at FROM audit_log ORDER BY id DESC LIMIT 1"
                                  ).fetchall()
    if not is_server(database):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", stored)
    assert services.audit.page(AuditFilter(start=NOW, end=NOW + timedelta(seconds=1))).rows
    assert not services.audit.page(AuditFilter(start=NOW + timedelta(microseconds=1),
                                               end=datetime(2100, 1, 1))).rows
