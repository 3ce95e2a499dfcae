"""The demo clinic is a ten-year archive the app's own check accepts: signed sessions
tied to their audit entries, consents, addenda, open and finished courses, and about ten
audit entries per session in one unbroken chain whose times rise with its ids."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

import pytest

from practitioner_app.domain.audit import Action
from practitioner_app.domain.course import CourseStatus
from practitioner_app.services.demo import PRACTITIONERS
from tests.cli_helpers import cli
from tests.conftest import NOW
from tests.server_helpers import is_server, query

ADMIN = ("clinic.admin", "Clinic Administrator", "Practice manager", "a long admin password")


@pytest.fixture
def archive(services):
    """30 patients over ten years, in a database the demo gave its administrator."""
    return services.demo.generate(30, seed=11, administrator=ADMIN)


def test_the_apps_own_check_finds_no_problem(archive, capsys, database):
    status, out, err = cli(capsys, database, "check")
    assert (status, err) == (0, ""), out
    for line in ("audit trail: ok", "signed sessions: ok", "audit ties: ok",
                 "protective triggers: ok"):
        assert line in out


def test_ten_years_of_use_with_about_ten_entries_per_session(archive, database):
    sessions = query(database, "SELECT count(*) FROM treatment_sessions")[0][0]
    entries = query(database, "SELECT id, at, action FROM audit_log ORDER BY id")
    assert sessions == archive.sessions and 8 <= len(entries) / sessions <= 12
    # SQLite hands times back as text, the server as values.
    times = [at if isinstance(at, datetime) else datetime.fromisoformat(at)
             for _, at, _ in entries]
    assert times == sorted(times)  # the clinic's history first, the demo's own entry last
    first, last = times[0], times[-1]
    assert last - first >= timedelta(days=365 * 9.5) and last <= NOW
    actions = Counter(action for _, _, action in entries)
    for action in (Action.SIGN_IN, Action.LOCKED, Action.UNLOCKED, Action.PATIENT_CREATED,
                   Action.PATIENT_CHANGED, Action.SESSION_CREATED, Action.SESSION_CHANGED,
                   Action.SESSION_SIGNED, Action.REPORT_PRINTED, Action.CONSENT_RECORDED,
                   Action.COURSE_OPENED, Action.COURSE_CHANGED, Action.ACCOUNT_CREATED):
        assert actions[action] > 0, action
    assert actions[Action.SESSION_SIGNED] == archive.signed >= 0.85 * sessions
    assert actions[Action.ACCOUNT_CREATED] == 1 + len(PRACTITIONERS)
    if not is_server(database):  # the counter the check compares the newest entry with
        assert query(database, "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'"
                     ) == [(entries[-1][0],)]


def test_signing_in_and_the_idle_lock_name_no_patient(archive, database):
    """As the app records them: they are the account's, even around a patient's visit
    (a patient's filtered audit trail must not list them)."""
    actions = ", ".join(f"'{a}'" for a in (Action.SIGN_IN, Action.SIGN_IN_FAILED,
                                           Action.LOCKED, Action.UNLOCKED))
    assert query(database, f"SELECT count(*) FROM audit_log WHERE action IN ({actions})"
                           " AND patient_id IS NULL")[0][0] > 0
    assert query(database, f"SELECT action, count(*) FROM audit_log WHERE action IN "
                           f"({actions}) AND patient_id IS NOT NULL GROUP BY action") == []


def test_each_signature_names_the_entry_by_its_signer_holding_its_digest(archive, database):
    rows = query(database, "SELECT s.id, s.patient_id, s.signer_username, s.digest, "
                           "s.practitioner_name, a.action, a.username, a.patient_id, "
                           "a.session_id, a.details FROM treatment_sessions s "
                           "JOIN audit_log a ON a.id = s.signed_audit_id")
    assert len(rows) == archive.signed
    names = {p.username: p.full_name for p in PRACTITIONERS}
    for (session_id, patient_id, signer, digest, practitioner, action, by, entry_patient,
         entry_session, details) in rows:
        assert (action, by, entry_patient, entry_session) == (
            Action.SESSION_SIGNED, signer, patient_id, session_id)
        assert json.loads(details)["digest"] == digest
        assert names[signer] == practitioner  # signed by who performed it


def test_consents_and_addenda_name_the_entries_that_recorded_them(services, database):
    result = services.demo.generate(120, seed=4, administrator=ADMIN)
    for table, action in (("consents", Action.CONSENT_RECORDED),
                          ("addenda", Action.ADDENDUM_ADDED)):
        tied = query(database, f"SELECT a.action FROM {table} t "
                               "JOIN audit_log a ON a.id = t.audit_id")
        assert tied and set(tied) == {(action,)}
    assert result.consents == len(query(database, "SELECT id FROM consents")) >= 120
    assert result.addenda == len(query(database, "SELECT id FROM addenda")) > 0


def test_most_patients_have_an_open_course_others_completed_or_stopped(services, archive):
    ids = services.patients.search("", include_archived=True)
    courses = {pid: services.courses.courses(pid) for pid in ids}
    statuses = Counter(c.status for cs in courses.values() for c in cs)
    assert statuses[CourseStatus.OPEN] == archive.open_courses
    assert statuses[CourseStatus.COMPLETED] > 0 and statuses[CourseStatus.STOPPED] > 0
    with_open = [pid for pid, cs in courses.items()
                 if [c.status for c in cs].count(CourseStatus.OPEN) == 1]
    assert len(with_open) >= 0.6 * len(ids)
    assert not any([c.status for c in cs].count(CourseStatus.OPEN) > 1
                   for cs in courses.values())
    for pid in ids:  # every session in one of its patient's courses
        numbers = {c.number for c in courses[pid]}
        assert {s.course_number for s in services.sessions.for_patient(pid)} <= numbers


def test_the_administrator_opened_the_clinic_and_is_signed_in(services, archive):
    entries = services.audit.find(actions=(Action.ACCOUNT_CREATED,))
    first = min(entries, key=lambda e: e.id)
    assert (first.username, json.loads(first.details)) == (
        ADMIN[0], {"account": ADMIN[0], "admin": True})
    assert first.at.date() <= (NOW - timedelta(days=365 * 9.9)).date()
    assert services.accounts.sign_in(ADMIN[0], ADMIN[3]).is_admin
    assert {p.username for p in PRACTITIONERS} <= {u.username
                                                   for u in services.accounts.users()}


def test_more_batches_than_files_kept_open_still_make_one_chain_in_time_order(
        services, database, monkeypatch):
    """A large run spills more sorted runs than it keeps files open; merged early, they
    still make one chain, oldest first, with every tie in place."""
    from practitioner_app.services import demo

    monkeypatch.setattr(demo, "_BATCH", 4)  # 10 runs of events
    monkeypatch.setattr(demo, "_MAX_RUNS", 3)  # merged into one every third
    monkeypatch.setattr(demo, "_CHUNK", 7)
    services.demo.generate(40, seed=8, administrator=ADMIN)
    assert services.audit.verify()[1] is None
    times = [at if isinstance(at, datetime) else datetime.fromisoformat(at)
             for (at,) in query(database, "SELECT at FROM audit_log ORDER BY id")]
    assert times == sorted(times)
    signed = query(database, "SELECT count(*) FROM treatment_sessions s JOIN audit_log a "
                             "ON a.id = s.signed_audit_id AND a.session_id = s.id")[0][0]
    assert signed == query(database, "SELECT count(*) FROM treatment_sessions "
                                     "WHERE signed_at IS NOT NULL")[0][0] > 0
