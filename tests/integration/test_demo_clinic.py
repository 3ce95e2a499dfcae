"""The demo is a believable clinic: letterhead, practitioners with roles and accounts,
consents on the current text, signed sessions (some drafts, some awaiting signature, some
addenda), open and finished courses filling the due list, a few archived patients, names
in many scripts that rarely repeat; it passes `check` and stays marked synthetic."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from pypdf import PdfReader

from practitioner_app.domain.audit import Action
from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.course import CourseStatus
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.signing import signature_holds
from practitioner_app.services.demo import DEMO_CLINIC, DEMO_MARK, PRACTITIONERS, generate_records
from tests.cli_helpers import cli
from tests.conftest import NOW

ADMIN_PASSWORD = "a long admin password"
SCRIPTS = {
    "accented Latin": re.compile("[\u00c0-\u024f\u1e00-\u1eff]"),
    "Greek": re.compile("[\u0370-\u03ff]"),
    "Cyrillic": re.compile("[\u0400-\u04ff]"),
    "CJK": re.compile("[\u4e00-\u9fff]"),
    "Hangul": re.compile("[\uac00-\ud7af]"),
    "Arabic": re.compile("[\u0600-\u06ff]"),
}


@pytest.fixture
def clinic(services):
    """200 demo patients (seed 5) in a database whose administrator ran the demo."""
    services.accounts.create_first_admin("admin", "Clinic Administrator", "Manager", "",
                                         ADMIN_PASSWORD)
    result = services.demo.generate(200, seed=5)
    ids = services.patients.search("", include_archived=True)
    return result, ids


def sessions_of(services, ids):
    return [(pid, s) for pid in ids for s in services.sessions.for_patient(pid)]


def test_every_page_has_the_clinics_letterhead_marked_as_demo(services, clinic):
    profile = services.clinic.profile()
    assert profile.name == DEMO_CLINIC.name and "demo" in profile.name
    assert profile.address and profile.phone and profile.email
    _, ids = clinic
    session = services.sessions.for_patient(ids[0])[0]
    text = "".join(page.extract_text() for page in PdfReader(
        io.BytesIO(services.reports.session_report(session.id))).pages)
    assert DEMO_CLINIC.name in text and "Clinic name not set" not in text


def test_a_clinics_own_letterhead_is_kept(services):
    services.clinic.save_profile(ClinicProfile(name="Harbour Skin Clinic"))
    services.demo.generate(3, seed=1)
    assert services.clinic.profile().name == "Harbour Skin Clinic"


def test_practitioners_have_roles_and_accounts_that_sign_in(services, clinic):
    result, ids = clinic
    users = {u.username: u for u in services.accounts.users()}
    assert set(result.accounts) == {p.username for p in PRACTITIONERS} <= users.keys()
    assert all(users[p.username].role_title == p.role for p in PRACTITIONERS)
    assert not any(users[p.username].is_admin for p in PRACTITIONERS)
    signed_in = services.accounts.sign_in(PRACTITIONERS[1].username, result.password)
    assert signed_in.full_name == PRACTITIONERS[1].full_name
    named = Counter(s.practitioner_name for _, s in sessions_of(services, ids))
    assert len(named) >= 5 and set(named) <= {p.full_name for p in PRACTITIONERS}


def test_a_database_without_accounts_is_left_without_any(services):
    """The app's first start asks for the administrator; the demo must not take that."""
    result = services.demo.generate(5, seed=1)
    assert (result.accounts, result.password) == ((), None)
    assert not services.accounts.has_accounts()
    assert result.signed > 0  # sessions are signed by the practitioners all the same


def test_every_patient_has_consent_on_the_current_text(services, clinic):
    _, ids = clinic
    assert len(ids) == 200
    assert all(services.consents.has_valid_treatment_consent(pid) for pid in ids)
    kinds = Counter(c.kind for pid in ids for c in services.consents.for_patient(pid))
    assert kinds["treatment"] == 200 and 140 <= kinds["photo"] < 200
    version = services.consents.current_version()
    assert all(c.text_version == version for pid in ids[:20]
               for c in services.consents.for_patient(pid))


def test_past_sessions_are_signed_by_their_practitioner_a_few_not_yet(services, clinic):
    result, ids = clinic
    sessions = sessions_of(services, ids)
    statuses = Counter(s.status for _, s in sessions)
    assert statuses[SessionStatus.SIGNED] == result.signed >= 0.9 * len(sessions)
    assert statuses[SessionStatus.DRAFT] >= 5 and statuses[SessionStatus.COMPLETED] >= 5
    by_name = {p.full_name: p for p in PRACTITIONERS}
    for _, session in sessions:
        if session.status is not SessionStatus.SIGNED:
            assert session.signature is None
            continue
        practitioner = by_name[session.practitioner_name]
        signature = session.signature
        assert (signature.signer_username, signature.signer_name, signature.signer_role,
                signature.signer_registration) == (
            practitioner.username, practitioner.full_name, practitioner.role,
            practitioner.registration)
        assert session.session_date <= signature.signed_at.date() <= NOW.date()
    addenda = [a for _, s in sessions for a in s.addenda]
    assert len(addenda) == result.addenda >= 3
    assert all(a.reason and a.text for a in addenda)


def test_signatures_hold_by_the_apps_own_verification(services, clinic):
    _, ids = clinic
    signed = [(pid, s) for pid, s in sessions_of(services, ids) if s.is_signed]
    for pid, session in signed[:300]:
        assert services.sessions.verify(session.id) is None
        assert signature_holds(services.patients.get(pid).number, session)


def test_each_signature_has_its_audit_entry_by_the_signer(services, clinic):
    _, ids = clinic
    services.accounts.sign_in("admin", ADMIN_PASSWORD)
    signed_entries = {e.session_id: e
                      for e in services.audit.find(actions=(Action.SESSION_SIGNED,))}
    signed = [s for _, s in sessions_of(services, ids) if s.is_signed]
    assert len(signed_entries) == len(signed)
    for session in signed:
        entry = signed_entries[session.id]
        assert entry.username == session.signature.signer_username
        assert session.signature.digest in entry.details
    assert services.audit.verify()[1] is None
    newest = next(e for e in services.audit.find()
                  if e.action != Action.SIGN_IN)  # the admin's, above
    assert newest.action == Action.PATIENT_CREATED and '"demo":true' in newest.details


def test_open_and_finished_courses_fill_the_due_list(services, clinic):
    result, ids = clinic
    courses = [c for pid in ids for c in services.courses.courses(pid)]
    statuses = Counter(c.status for c in courses)
    assert statuses[CourseStatus.OPEN] == result.open_courses >= 20
    assert statuses[CourseStatus.COMPLETED] >= 50 and statuses[CourseStatus.STOPPED] >= 3
    assert all(c.stopped_reason for c in courses if c.status is CourseStatus.STOPPED)
    assert all(s.course_number is not None for _, s in sessions_of(services, ids))
    due = services.courses.due(14)
    overdue = [row for row in due if row.due_on < NOW.date()]
    coming = [row for row in due if row.due_on >= NOW.date()]
    assert len(overdue) >= 5 and len(coming) >= 5
    assert all(row.due_on <= NOW.date() + timedelta(days=14) for row in due)


def test_a_few_patients_are_archived_and_hidden_from_the_list(services, clinic):
    result, ids = clinic
    shown = set(services.patients.search(""))
    archived = [pid for pid in ids if pid not in shown]
    assert len(archived) == result.archived and 2 <= len(archived) <= 20
    for pid in archived:
        patient = services.patients.get(pid)
        assert patient.archived_at is not None and patient.archive_reason


def test_every_demo_record_stays_marked_synthetic(services, clinic):
    _, ids = clinic
    assert all(services.patients.get(pid).assessment.startswith(DEMO_MARK) for pid in ids)


def test_names_come_in_many_scripts_and_rarely_repeat():
    names = Counter(r.patient.full_name for r in generate_records(2000, 1, 1, NOW))
    text = " ".join(names)
    assert [script for script, letters in SCRIPTS.items() if not letters.search(text)] == []
    shared = sum(n for n in names.values() if n > 1)
    print(f"{shared} of 2,000 patients share their full name; most often "
          f"{names.most_common(1)[0]}")
    assert max(names.values()) <= 3
    assert shared <= 0.03 * 2000


def test_check_passes_on_a_demo_database(capsys, database):
    status, out, _ = cli(capsys, database, "demo", "--patients", "150", "--seed", "2")
    assert status == 0 and "Signed " in out
    status, out, err = cli(capsys, database, "check")
    assert (status, err) == (0, ""), out
    for line in ("audit trail: ok", "signed sessions: ok"):
        assert line in out
