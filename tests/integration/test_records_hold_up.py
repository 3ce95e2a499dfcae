"""Accounts, the contraindication screen, consent, sign-off, addenda, audit trail and
archiving: every rule of a record that holds up, on a real database (the SQLite file or
a database on the clinic server)."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta

import pypdf
import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_DENIED, EXIT_FAILURE, EXIT_OK
from practitioner_app.domain.audit import Action
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.errors import (
    PermissionDenied,
    RecordSigned,
    SignInRefused,
    ValidationError,
)
from practitioner_app.domain.signing import Consent, session_digest
from practitioner_app.services.container import open_services
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient, answered_screen
from tests.server_helpers import drop_protection, query, refused, sql

PASSWORD = "correct horse battery"


@pytest.fixture
def admin(services):
    return services.accounts.create_first_admin(
        "jroe", "Dr Jane Roe", "Aesthetic nurse prescriber", "NMC 12A3456B", PASSWORD)


@pytest.fixture
def patient(services, admin):
    return services.patients.register(a_patient())


def _consent(services, patient, version="1"):
    services.consents.record(patient.id, Consent("treatment", version, date(2026, 11, 1),
                                                 "Sam Witness"))


def _actions(services):
    return [e.action for e in reversed(services.audit.find())]


# -- accounts ---------------------------------------------------------------------------
def test_passwords_are_stored_as_argon2id_hashes_only(services, admin, database):
    [(stored,)] = query(database, "SELECT password_hash FROM users")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_wrong_password_is_refused_clearly_and_repeats_slow_down(database, admin, services):
    clock = [NOW]
    other = open_services(database, clock=lambda: clock[0])
    try:
        for _attempt in range(3):
            with pytest.raises(SignInRefused, match="Wrong username or password"):
                other.accounts.sign_in("jroe", "wrong password")
        with pytest.raises(SignInRefused, match="Too many wrong passwords") as waiting:
            other.accounts.sign_in("jroe", PASSWORD)  # even the right one must wait
        assert waiting.value.wait_seconds > 0
        clock[0] = NOW + timedelta(seconds=5)
        assert other.accounts.sign_in("jroe", PASSWORD).username == "jroe"
    finally:
        other.close()
    with pytest.raises(SignInRefused, match="Wrong username or password"):
        services.accounts.sign_in("nobody", PASSWORD)  # no hint that the user is unknown


def test_accounts_are_deactivated_never_deleted(services, admin):
    nurse = services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "", "another password")
    services.accounts.set_active(nurse.id, False)
    with pytest.raises(SignInRefused, match="deactivated"):
        services.accounts.sign_in("anurse", "another password")
    assert [u.username for u in services.accounts.users()] == ["anurse", "jroe"]
    services.accounts.sign_in("jroe", PASSWORD)
    with pytest.raises(PermissionDenied, match="last active administrator"):
        services.accounts.set_active(admin.id, False)


def test_only_an_administrator_adds_accounts(services, admin):
    services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "", "another password")
    services.accounts.sign_in("anurse", "another password")
    with pytest.raises(PermissionDenied):
        services.accounts.add_user("x2", "X", "", "", "a long password")


# -- screen, consent, signing ------------------------------------------------------------
def test_a_stop_answer_blocks_the_needling_step(services, patient):
    blocked = a_full_session(status=SessionStatus.DRAFT, screen=answered_screen(**{"2": True}))
    with pytest.raises(ValidationError, match="Session blocked: “Pregnancy or breastfeeding”"):
        services.sessions.save(patient.id, blocked)
    unanswered = a_full_session(screen=())
    with pytest.raises(ValidationError, match="Contraindication screen"):
        services.sessions.save(patient.id, unanswered)
    assert services.sessions.rows_for_patient(patient.id) == []


def test_a_caution_needs_an_override_reason_which_is_printed(services, patient):
    screen = list(answered_screen(**{"5": True}))
    without = dataclasses.replace(screen[5], override_reason="")
    with pytest.raises(ValidationError, match="write the reason for going ahead"):
        services.sessions.save(patient.id, a_full_session(
            screen=tuple(screen[:5] + [without] + screen[6:])))
    saved = services.sessions.save(patient.id, a_full_session(screen=tuple(screen)))
    text = _pdf_text(services.reports.session_report(saved.id))
    assert "Benefit outweighs risk; discussed" in text and "Isotretinoin" in text


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split())
                    for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_signing_needs_consent_and_the_password_then_freezes_the_record(
        services, patient, database):
    saved = services.sessions.save(patient.id, a_full_session())
    with pytest.raises(ValidationError, match="Treatment consent"):
        services.sessions.sign(saved.id, PASSWORD)
    _consent(services, patient)
    with pytest.raises(SignInRefused):
        services.sessions.sign(saved.id, "not the password")
    signed = services.sessions.sign(saved.id, PASSWORD)

    assert signed.status is SessionStatus.SIGNED
    assert signed.signature.signer_name == "Dr Jane Roe"
    assert signed.signature.digest == session_digest(patient.number, saved, signed.signature)
    assert services.sessions.verify(saved.id) is None
    with pytest.raises(RecordSigned):
        services.sessions.save(patient.id, dataclasses.replace(signed, status=SessionStatus.DRAFT,
                                                               signature=None))
    for statement in ("UPDATE treatment_sessions SET outcome_notes = 'changed'",
                      "DELETE FROM treatment_sessions",
                      "UPDATE zone_treatments SET depth_mm = 3.0",
                      "DELETE FROM screen_answers"):
        with pytest.raises(refused(), match="signed session cannot"):
            sql(database, statement)
    assert services.sessions.get(saved.id) == signed


def test_signing_refusal_lists_what_is_missing_in_procedure_order(services, patient):
    _consent(services, patient)
    draft = a_full_session(status=SessionStatus.DRAFT,
                           cleansing=dataclasses.replace(a_full_session().cleansing,
                                                         done_at=None),
                           aftercare=dataclasses.replace(a_full_session().aftercare,
                                                         given=False))
    saved = services.sessions.save(patient.id, draft)
    with pytest.raises(ValidationError) as refused:
        services.sessions.sign(saved.id, PASSWORD)
    assert [p.path for p in refused.value.problems] == ["cleansing.done_at",
                                                        "aftercare.given"]


def test_a_record_changed_behind_the_app_is_flagged_loudly_and_recorded(
        services, patient, database):
    _consent(services, patient)
    saved = services.sessions.save(patient.id, a_full_session())
    services.sessions.sign(saved.id, PASSWORD)
    # Someone with the file and sqlite3, or the server's console, in hand.
    drop_protection(database, "treatment_sessions", "UPDATE")
    sql(database, "UPDATE treatment_sessions SET outcome_notes = 'rewritten'")

    warning = services.sessions.verify(saved.id)
    assert warning and "does not match its signature" in warning
    assert _actions(services)[-1] == Action.DIGEST_MISMATCH
    assert "does not match its signature" in _pdf_text(services.reports.session_report(saved.id))


def test_addenda_are_appended_and_printed_and_never_change(services, patient, database):
    _consent(services, patient)
    saved = services.sessions.save(patient.id, a_full_session())
    with pytest.raises(ValidationError, match="for signed sessions"):
        services.sessions.add_addendum(saved.id, "Typo", "x")
    signed = services.sessions.sign(saved.id, PASSWORD)
    amended = services.sessions.add_addendum(saved.id, "Depth misrecorded",
                                             "Cheeks were 1.25 mm, not 1.5 mm.")
    assert amended.needling == signed.needling  # the original stays as signed
    assert [a.reason for a in amended.addenda] == ["Depth misrecorded"]
    assert services.sessions.verify(saved.id) is None
    text = _pdf_text(services.reports.session_report(saved.id))
    assert "Addendum 1" in text and "Cheeks were 1.25 mm, not 1.5 mm." in text
    assert "Sign-off: signed electronically" in text and signed.signature.digest in text
    with pytest.raises(refused(), match="never changed or deleted"):
        sql(database, "UPDATE addenda SET text = 'quietly different'")


# -- audit ------------------------------------------------------------------------------
def test_changes_are_logged_with_field_old_and_new_values(services, patient):
    services.patients.update(dataclasses.replace(patient, allergies="Lidocaine"))
    [changed] = [e for e in services.audit.find(patient_id=patient.id)
                 if e.action == Action.PATIENT_CHANGED]
    assert '"field":"allergies"' in changed.details
    assert '"old":"Penicillin"' in changed.details and '"new":"Lidocaine"' in changed.details
    assert changed.username == "jroe"


@pytest.mark.parametrize("tamper, named", [
    ("UPDATE audit_log SET details = '{}' WHERE id = 2", "entry 2 was altered"),
    ("DELETE FROM audit_log WHERE id = 2", "entry 2 is missing"),
    # The command's own sign-in is logged after the gap, so the gap is named. The gap
    # is seen by SQLite's AUTOINCREMENT counter; a server's sequence also moves on for
    # appends rolled back, so there an anchor finds it (test_audit_anchor).
    pytest.param("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
                 "is missing", marks=pytest.mark.sqlite_only),
])
def test_audit_verify_names_the_first_bad_entry(services, patient, database, capsys,
                                                monkeypatch, tamper, named):
    services.sessions.save(patient.id, a_full_session())
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)
    assert main(["--db", str(database), "--user", "jroe", "audit", "verify"]) == EXIT_OK
    assert "The audit trail holds" in capsys.readouterr().out
    drop_protection(database, "audit_log", "UPDATE", "DELETE")
    sql(database, tamper)
    assert main(["--db", str(database), "--user", "jroe", "audit", "verify"]) == EXIT_FAILURE
    assert named in capsys.readouterr().err


@pytest.mark.sqlite_only  # SQLite's AUTOINCREMENT counter; on a server an anchor finds it
def test_removing_the_newest_entries_is_found_too(services, patient, database):
    assert services.audit.verify()[1] is None
    drop_protection(database, "audit_log", "DELETE")
    sql(database, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    assert "removed from the end" in services.audit.verify()[1]


def test_the_audit_log_refuses_plain_sql_changes(services, patient, database):
    with pytest.raises(refused(), match="never changed or deleted"):
        sql(database, "UPDATE audit_log SET username = 'someone else'")


# -- command line as a named user --------------------------------------------------------
def test_the_command_line_acts_as_a_named_user(services, patient, database, capsys,
                                               monkeypatch):
    assert main(["--db", str(database), "patients", "list"]) == EXIT_DENIED
    assert "--user NAME" in capsys.readouterr().err
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", "wrong password")
    assert main(["--db", str(database), "--user", "jroe", "patients", "list"]) == EXIT_DENIED
    assert "Wrong username or password" in capsys.readouterr().err
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)
    assert main(["--db", str(database), "--user", "jroe", "export", "patient",
                 patient.number]) == EXIT_OK
    [exported] = [e for e in services.audit.find() if e.action == Action.EXPORTED]
    assert exported.username == "jroe"


def test_demo_on_an_empty_database_creates_a_demo_account(database, capsys, monkeypatch):
    db = database
    assert main(["--db", str(db), "demo", "--patients", "2"]) == EXIT_OK
    out = capsys.readouterr().out
    password = out.split("password ")[1].split()[0]
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", password)
    assert main(["--db", str(db), "--user", "demo", "patients", "list"]) == EXIT_OK


# -- archive, never erase ----------------------------------------------------------------
def test_archived_patients_are_hidden_but_kept_and_printable(services, patient):
    with pytest.raises(ValidationError, match="Reason for archiving"):
        services.patients.archive(patient.id, " ")
    services.patients.archive(patient.id, "Moved abroad")
    assert services.patients.search("") == []
    assert services.patients.search("", include_archived=True) == [patient.id]
    assert services.patients.get(patient.id).archive_reason == "Moved abroad"
    assert "Moved abroad" in _pdf_text(services.reports.patient_summary(patient.id))
    assert Action.PATIENT_ARCHIVED in _actions(services)


# -- export keeps the proof --------------------------------------------------------------
def test_a_signed_record_survives_export_and_import_and_tampering_is_refused(
        services, patient, tmp_path):
    _consent(services, patient)
    saved = services.sessions.save(patient.id, a_full_session())
    services.sessions.sign(saved.id, PASSWORD)
    services.sessions.add_addendum(saved.id, "Note", "Seen again by phone.")
    document = services.exchange.export_document(patient.number)
    other = open_services(tmp_path / "other.sqlite3", clock=lambda: NOW)
    try:
        bad = {**document, "sessions": [dict(document["sessions"][0])]}
        bad["sessions"][0]["outcome"] = {**bad["sessions"][0]["outcome"], "notes": "edited"}
        with pytest.raises(ValidationError, match="changed after it was signed"):
            other.exchange.import_document(bad)
        other.exchange.import_document(document)
        [copy] = other.sessions.for_patient(other.patients.get_by_number(patient.number).id)
        assert copy.signature == services.sessions.get(saved.id).signature
        assert other.sessions.verify(copy.id) is None
        assert other.exchange.export_document(patient.number) == document
    finally:
        other.close()


# -- the check command covers the record's own proofs -------------------------------------
def test_check_finds_a_broken_audit_chain_and_a_tampered_signed_session(
        services, patient, database, capsys):
    _consent(services, patient)
    saved = services.sessions.save(patient.id, a_full_session())
    services.sessions.sign(saved.id, PASSWORD)
    assert main(["--db", str(database), "check"]) == EXIT_OK
    capsys.readouterr()
    drop_protection(database, "treatment_sessions", "UPDATE")
    drop_protection(database, "audit_log", "UPDATE")
    sql(database, "UPDATE treatment_sessions SET outcome_notes = 'rewritten'",
        "UPDATE audit_log SET username = 'someone' WHERE id = 3")
    assert main(["--db", str(database), "check"]) != EXIT_OK
    err = capsys.readouterr()
    report = err.out + err.err
    assert "entry 3 was altered" in report
    assert f"signed session {saved.id}" in report and "no longer matches" in report


def test_a_patient_data_export_is_recorded(services, patient, tmp_path):
    services.patient_data.export(patient.id, tmp_path)
    [entry] = [e for e in services.audit.find(patient_id=patient.id)
               if e.action == Action.EXPORTED and "access request" in e.details]
    assert "-summary.pdf" in entry.details and "-data.json" in entry.details


def test_a_patient_data_export_is_recorded_before_it_is_written(services, patient, tmp_path,
                                                                monkeypatch):
    from practitioner_app.services import patient_data
    from practitioner_app.services.files import StorageError

    def exported_entries():
        return [e.action for e in services.audit.find(patient_id=patient.id)
                if e.action in (Action.EXPORTED, Action.NOT_WRITTEN)]

    seen_before_writing = []
    real_write = patient_data.write_file

    def write_after_looking(path, data):
        seen_before_writing.append(any("access request" in e.details
                                       for e in services.audit.find(patient_id=patient.id)))
        return real_write(path, data)

    monkeypatch.setattr(patient_data, "write_file", write_after_looking)
    (tmp_path / "ok").mkdir()
    services.patient_data.export(patient.id, tmp_path / "ok")
    assert seen_before_writing == [True, True]

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        services.patient_data.export(patient.id, blocker / "access")
    assert exported_entries()[:2] == [Action.NOT_WRITTEN, Action.EXPORTED]  # newest first
    assert str(blocker / "access") in services.audit.find(patient_id=patient.id)[0].details


@pytest.mark.sqlite_only  # a restore replaces the file; a server is restored into an empty one
def test_restoring_a_sound_database_needs_an_administrator(services, patient, database,
                                                          tmp_path, capsys, monkeypatch):
    services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "", "a long password1")
    copy = tmp_path / "copy.sqlite3"
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)  # a copy out is recorded
    assert main(["--db", str(database), "--user", "jroe", "backup", "-o", str(copy)]) == EXIT_OK
    services.close()
    assert main(["--db", str(database), "restore", str(copy)]) == EXIT_DENIED
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", "a long password1")
    assert main(["--db", str(database), "--user", "anurse", "restore", str(copy)]) == EXIT_DENIED
    assert "only an administrator" in capsys.readouterr().err
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)
    assert main(["--db", str(database), "--user", "jroe", "restore", str(copy)]) == EXIT_OK


# -- found by review: each would have broken a guarantee ---------------------------------
def test_a_patient_with_signed_sessions_keeps_the_number_they_were_signed_under(
        services, patient):
    _consent(services, patient)
    saved = services.sessions.save(patient.id, a_full_session())
    services.sessions.sign(saved.id, PASSWORD)
    with pytest.raises(ValidationError, match="on this patient's signed records"):
        services.patients.update(dataclasses.replace(patient, number="P000999"))
    assert services.sessions.verify(saved.id) is None
    services.patients.update(dataclasses.replace(patient, allergies="None known"))


def test_rows_cannot_be_moved_into_a_signed_session_with_plain_sql(services, patient,
                                                                    database):
    _consent(services, patient)
    signed = services.sessions.save(patient.id, a_full_session())
    services.sessions.sign(signed.id, PASSWORD)
    draft = services.sessions.save(patient.id, a_full_session(status=SessionStatus.DRAFT))
    for table in ("zone_treatments", "screen_answers"):
        with pytest.raises(refused(), match="signed session cannot"):
            sql(database, f"UPDATE {table} SET session_id = {signed.id}, position = "
                          f"position + 100 WHERE session_id = {draft.id}")
    assert services.sessions.verify(signed.id) is None


def test_administrators_only_recall_lots_and_edit_the_clinic(services, patient):
    from practitioner_app.domain.clinic import ClinicProfile

    services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "", "a long password1")
    services.accounts.sign_in("anurse", "a long password1")
    with pytest.raises(PermissionDenied):
        services.courses.recall("HA-5520")
    with pytest.raises(PermissionDenied):
        services.clinic.save_profile(ClinicProfile(name="Hijacked"))
    with pytest.raises(PermissionDenied):
        services.demo.generate(1)
    services.accounts.sign_in("jroe", PASSWORD)
    services.clinic.save_profile(ClinicProfile(name="Harbour Skin Clinic"))
    services.demo.generate(1)
    newest, *earlier = services.audit.find()
    assert newest.action == Action.PATIENT_CREATED and '"demo":true' in newest.details
    clinic = [e.details for e in earlier if '"settings":"clinic profile"' in e.details]
    assert len(clinic) == 1 and '"name"' in clinic[0]


def test_a_pdf_written_from_the_command_line_is_recorded(services, patient, database,
                                                        tmp_path, monkeypatch):
    saved = services.sessions.save(patient.id, a_full_session())
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", PASSWORD)
    assert main(["--db", str(database), "--user", "jroe", "report", "session", str(saved.id),
                 "-o", str(tmp_path / "r.pdf")]) == EXIT_OK
    [entry] = [e for e in services.audit.find(patient_id=patient.id)
               if e.action == Action.REPORT_SAVED]
    assert entry.session_id == saved.id and "r.pdf" in entry.details
