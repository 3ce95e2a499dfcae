"""Signatures that cannot be forged or quietly altered: who may import a signed record,
a digest that covers the signer and the time, signatures, addenda and consents tied to the
audit entries that recorded them, and protective triggers that `check` watches and the
app puts back. Every test works on a real database (the SQLite file, or a database on the
clinic server), changed the way someone with the file and sqlite3, or the server's
console, would change it."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date, datetime

import pypdf
import pytest
from alembic import command
from alembic.config import Config

from practitioner_app.cli import EXIT_DENIED, EXIT_OK
from practitioner_app.domain.audit import Action
from practitioner_app.domain.errors import PermissionDenied
from practitioner_app.domain.signing import (
    Addendum,
    Consent,
    Signature,
    make_signature,
    session_digest,
)
from practitioner_app.persistence import migrator, triggers
from practitioner_app.persistence.engine import make_engine
from practitioner_app.persistence.server import make_server_engine
from practitioner_app.services.container import open_services
from tests.cli_helpers import cli
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import counts, query
from tests.server_helpers import drop_triggers, is_server, protecting, refused, sql, trigger_names

PASSWORD = "correct horse battery"
NURSE_PASSWORD = "another long password"


@pytest.fixture
def clinic(services):
    """An administrator (jroe) and a practitioner (anurse); the administrator is acting."""
    services.accounts.create_first_admin(
        "jroe", "Dr Jane Roe", "Aesthetic nurse prescriber", "NMC 12A3456B", PASSWORD)
    services.accounts.add_user("anurse", "Ann Nurse", "Nurse", "NMC 99Z", NURSE_PASSWORD)
    return services


@pytest.fixture
def signed(clinic):
    """A patient with treatment consent, one signed session with an addendum, and one
    session saved but not signed: (patient, signed session, unsigned session)."""
    patient = clinic.patients.register(a_patient())
    clinic.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1),
                                               "Sam Witness"))
    session = clinic.sessions.save(patient.id, a_full_session())
    clinic.sessions.sign(session.id, PASSWORD)
    clinic.sessions.add_addendum(session.id, "Follow-up", "Seen again by phone.")
    unsigned = clinic.sessions.save(patient.id, a_full_session(session_date=date(2026, 11, 23)))
    return patient, clinic.sessions.get(session.id), unsigned


def _check(capsys, database) -> tuple[int, str]:
    status, out, err = cli(capsys, database, "check")
    return status, out + err


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split())
                    for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


# -- item: who may import signed records ----------------------------------------------------
def _forged_document(services, patient_number: str) -> dict:
    """An export whose one session is "signed" by a colleague who never signed it, with a
    digest recomputed by the app's own rule: it passes every content check."""
    document = services.exchange.export_document(patient_number)
    plain = dict(document["sessions"][0])
    plain["status"] = "signed"
    plain["addenda"] = []
    session = dataclasses.replace(services.sessions.get(1), status=plain["status"])
    forged = make_signature(patient_number, session, username="colleague",
                            name="Dr Colleague Elsewhere", role="Dermatologist",
                            registration="GMC 7654321", signed_at=datetime(2026, 11, 20, 16))
    plain["signature"] = {
        "signer_username": forged.signer_username, "signer_name": forged.signer_name,
        "signer_role": forged.signer_role, "signer_registration": forged.signer_registration,
        "signed_at": forged.signed_at.isoformat(), "digest": forged.digest, "rule": 2}
    return {**document, "sessions": [plain]}


@pytest.fixture
def forged(tmp_path):
    """A forged document made in another clinic's database."""
    other = open_services(tmp_path / "elsewhere.sqlite3", clock=lambda: NOW)
    try:
        patient = other.patients.register(a_patient(number="P000777"))
        other.sessions.save(patient.id, a_full_session())
        return _forged_document(other, "P000777")
    finally:
        other.close()


def test_a_practitioner_cannot_import_a_signature_naming_a_colleague(clinic, forged, database):
    clinic.accounts.sign_in("anurse", NURSE_PASSWORD)
    with pytest.raises(PermissionDenied, match="Only an administrator may import signed "
                                               "sessions .1 in this document.*Nothing was"):
        clinic.exchange.import_document(forged, source="file forged.json")
    assert counts(database)["patients"] == 0
    assert counts(database)["treatment_sessions"] == 0


def test_the_command_line_refuses_it_with_the_refusal_status(clinic, forged, database,
                                                              tmp_path, capsys, monkeypatch):
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged), encoding="utf-8")
    monkeypatch.setenv("PRACTITIONER_APP_PASSWORD", NURSE_PASSWORD)
    clinic.close()
    status, _out, err = cli(capsys, database, "--user", "anurse", "import", str(path))
    assert status == EXIT_DENIED
    assert "Only an administrator may import signed sessions" in err
    assert counts(database)["patients"] == 0


def test_an_administrator_imports_it_and_every_document_says_imported_from_where(
        clinic, forged, database, capsys):
    clinic.accounts.sign_in("jroe", PASSWORD)
    result = clinic.exchange.import_document(forged, source="file forged.json")
    [session] = clinic.sessions.for_patient(result.patient.id)
    provenance = session.signature.imported
    assert (provenance.source, provenance.imported_by) == ("file forged.json", "jroe")
    assert provenance.imported_at == NOW

    report = _pdf_text(clinic.reports.session_report(session.id))
    assert "Sign-off: imported signature" in report
    assert "Dr Colleague Elsewhere" in report
    assert "Imported from file forged.json" in report and "Imported by jroe" in report
    assert "signed electronically" not in report
    summary = _pdf_text(clinic.reports.patient_summary(result.patient.id))
    assert "Signed (imported)" in summary and "Imported signatures" in summary
    assert "imported from file forged.json" in summary and "by jroe" in summary

    from practitioner_app.ui.widgets.signature_box import signed_text

    assert signed_text(session.signature).startswith(
        "Imported signature from file forged.json, 2026-11-24 10:30, by jroe. Signed by "
        "Dr Colleague Elsewhere")
    entries = [e for e in clinic.audit.find() if e.action == Action.SIGNATURE_IMPORTED]
    assert [(e.username, e.session_id) for e in entries] == [("jroe", session.id)]
    assert json.loads(entries[0].details)["imported"]["source"] == "file forged.json"
    # The export does not carry this database's import record; its signature is unchanged.
    exported = clinic.exchange.export_document(result.patient.number)
    assert exported["sessions"][0]["signature"] == forged["sessions"][0]["signature"]
    clinic.close()
    assert _check(capsys, database)[0] == EXIT_OK


def test_an_imported_signature_cannot_be_passed_off_as_made_here(clinic, forged, database,
                                                                 capsys):
    clinic.accounts.sign_in("jroe", PASSWORD)
    clinic.exchange.import_document(forged, source="file forged.json")
    clinic.close()
    drop_triggers(database, ["signed_session_no_update"])
    sql(database, "UPDATE treatment_sessions SET imported_from = NULL, imported_at = NULL, "
                  "imported_by = NULL")
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert ("signed session 1 (patient P000777, 2026-11-20): where its signature came "
            "from is not what audit entry") in report


# -- item: the signer and the time are inside the digest --------------------------------------
@pytest.mark.parametrize("column, value", [
    ("signer_name", "Dr Someone Else"),
    ("signer_registration", "NMC 00000"),
    ("signed_at", "2026-11-01 09:00:00.000000"),
    ("signer_role", "Beautician"),
])
def test_changing_who_signed_or_when_is_caught(signed, database, capsys, column, value):
    patient, session, _unsigned = signed
    assert session.signature.rule == 2
    drop_triggers(database)
    sql(database, (f"UPDATE treatment_sessions SET {column} = ? WHERE id = ?",
                   (value, session.id)))
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert (f"signed session {session.id} (patient {patient.number}, 2026-11-20) no longer "
            "matches its signature") in report


def test_changing_the_signing_account_is_caught_twice(signed, database, capsys):
    patient, session, _unsigned = signed
    drop_triggers(database)
    sql(database, "UPDATE treatment_sessions SET signer_username = 'anurse'")
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert "no longer matches its signature" in report
    assert (f"signed session {session.id} (patient {patient.number}, 2026-11-20): its "
            "signature is not the one audit entry") in report


# -- item: rows written past the app, triggers intact --------------------------------------
def test_an_inserted_addendum_is_caught(signed, database, capsys):
    _patient, session, _unsigned = signed
    sql(database, ("INSERT INTO addenda (session_id, author_username, author_name, "
                   "created_at, reason, text) VALUES (?, 'jroe', 'Dr Jane Roe', "
                   "'2026-11-24 11:00:00.000000', 'Correction', 'No adverse events.')",
                   (session.id,)))
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert (f"addendum 2 to session {session.id} (patient P000101, 2026-11-20): no audit "
            "entry recorded it (written outside the app)") in report


def test_an_inserted_consent_is_caught(signed, database, capsys):
    patient, _session, _unsigned = signed
    sql(database, ("INSERT INTO consents (patient_id, kind, text_version, consent_date, "
                   "witnessed_by, recorded_by, recorded_at) VALUES (?, 'photo', '1', "
                   "'2026-11-01', 'Nobody', 'jroe', '2026-11-01 10:00:00.000000')",
                   (patient.id,)))
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert (f"photo consent 2 (version 1) of patient {patient.number}: no audit entry "
            "recorded it (written outside the app)") in report


def test_a_consent_changed_since_it_was_recorded_is_caught(signed, database, capsys):
    patient, _session, _unsigned = signed
    drop_triggers(database, [protecting(database, "consents", "UPDATE")])
    sql(database, "UPDATE consents SET consent_date = '2026-10-01'")
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert (f"treatment consent 1 (version 1) of patient {patient.number}: it is not what "
            "audit entry") in report


@pytest.mark.parametrize("rule", [1, 2])
def test_an_unsigned_session_given_a_signature_by_hand_is_caught(signed, database, capsys,
                                                                  rule, services):
    patient, _session, unsigned = signed
    if rule == 2:
        signature = make_signature(patient.number, unsigned, username="jroe",
                                   name="Dr Jane Roe", role="Aesthetic nurse prescriber",
                                   registration="NMC 12A3456B", signed_at=NOW)
    else:
        signature = Signature("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                              "NMC 12A3456B", NOW, session_digest(patient.number, unsigned))
    sql(database, ("UPDATE treatment_sessions SET status = 'signed', signed_at = ?, "
                   "signer_username = 'jroe', signer_name = 'Dr Jane Roe', signer_role = "
                   "'Aesthetic nurse prescriber', signer_registration = 'NMC 12A3456B', "
                   "digest = ?, digest_rule = ? WHERE id = ?",
                   (NOW.isoformat(" ", "microseconds"), signature.digest, rule, unsigned.id)))
    assert services.sessions.verify(unsigned.id) is None  # the digest itself holds
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert (f"signed session {unsigned.id} (patient {patient.number}, 2026-11-23): no audit "
            "entry recorded its signature (written outside the app)") in report


def test_a_sound_database_with_signatures_addenda_and_consents_passes(signed, database,
                                                                      capsys):
    status, report = _check(capsys, database)
    assert status == EXIT_OK, report
    assert "audit ties: ok" in report and "protective triggers: ok" in report


# -- item: dropped triggers ----------------------------------------------------------------
def test_dropped_triggers_are_reported_and_put_back_on_opening(signed, database, capsys):
    altered = protecting(database, "consents", "UPDATE")
    drop_triggers(database)
    if is_server(database):
        sql(database, f"CREATE TRIGGER {altered} BEFORE UPDATE ON consents FOR EACH ROW "
                      "WHEN (false) EXECUTE FUNCTION practitioner_refuse('no')")
    else:
        sql(database, f"CREATE TRIGGER {altered} BEFORE UPDATE ON consents "
                      "WHEN 0 BEGIN SELECT RAISE(ABORT, 'no'); END")
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    for name in trigger_names(database):
        state = "altered" if name == altered else "missing"
        assert f"protective trigger {name} is {state}" in report

    open_services(database, clock=lambda: NOW).close()
    [(details,)] = query(database, "SELECT details FROM audit_log WHERE action = "
                                   f"'{Action.TRIGGERS_RESTORED}'")
    restored = json.loads(details)["triggers"]
    assert len(restored) == len(trigger_names(database))
    assert f"{altered} (altered)" in restored
    assert "signed_session_no_update (missing)" in restored
    assert _check(capsys, database)[0] == EXIT_OK
    with pytest.raises(refused(), match="a signed session cannot be changed"):
        sql(database, "UPDATE treatment_sessions SET outcome_notes = 'x' WHERE id = 1")
    # Opening again writes nothing more: all are in place.
    open_services(database, clock=lambda: NOW).close()
    assert query(database, "SELECT count(*) FROM audit_log WHERE action = "
                           "'protective triggers restored'") == [(1,)]


def test_a_trigger_that_is_not_the_apps_is_reported(signed, database, capsys):
    if is_server(database):
        sql(database, "CREATE FUNCTION sneaky() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$ BEGIN UPDATE patients SET phone = '' WHERE false; RETURN NEW; END $$",
            "CREATE TRIGGER sneaky AFTER INSERT ON addenda FOR EACH ROW "
            "EXECUTE FUNCTION sneaky()")
    else:
        sql(database, "CREATE TRIGGER sneaky AFTER INSERT ON addenda BEGIN "
                      "UPDATE patients SET phone = '' WHERE 0; END")
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert "trigger sneaky is not one of the app's" in report


# -- older databases: rule 1 signatures and rows recorded before links existed --------------
def _legacy_records(services) -> tuple[int, int]:
    """A consent, a rule-1 signature and an addendum written the way the app wrote them
    before rows named their audit entries (the entries hold no content hash)."""
    patient = services.patients.register(a_patient())
    session = services.sessions.save(patient.id, a_full_session())
    with services._database.unit_of_work() as uow:
        uow.consents.add(patient.id, Consent("treatment", "1", date(2026, 11, 1), "Sam",
                                             "jroe"), NOW)
        uow.audit.append(NOW, "jroe", Action.CONSENT_RECORDED, patient_id=patient.id,
                         session_id=None, details={"kind": "treatment", "version": "1"})
        stored = uow.sessions.get(session.id)
        signature = Signature("jroe", "Dr Jane Roe", "Nurse", "NMC 1", NOW,
                              session_digest(patient.number, stored))
        uow.signing.sign(session.id, signature)
        uow.audit.append(NOW, "jroe", Action.SESSION_SIGNED, patient_id=patient.id,
                         session_id=session.id, details={"digest": signature.digest})
        uow.signing.add_addendum(session.id, Addendum("jroe", "Dr Jane Roe", NOW, "Note",
                                                      "Seen by phone."))
        uow.audit.append(NOW, "jroe", Action.ADDENDUM_ADDED, patient_id=patient.id,
                         session_id=session.id, details={"reason": "Note"})
        uow.commit()
    return patient.id, session.id


def _downgrade_to(database, revision: str):
    """Take `database` back to schema `revision` with the migrations' own downgrades, as
    an older version of the app left it."""
    if is_server(database):
        engine = make_server_engine(database)
    else:
        engine = make_engine(database, foreign_keys=False)
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(migrator.MIGRATIONS_DIR))
            config.attributes["connection"] = connection
            triggers.drop_all(connection)
            command.downgrade(config, revision)
            triggers.create_all(connection)
    finally:
        engine.dispose()


def _downgrade_to_0003(database):
    _downgrade_to(database, "0003_courses_and_lots")


def test_an_older_database_migrates_and_its_signatures_still_verify(services, database,
                                                                     tmp_path, capsys):
    _patient_id, session_id = _legacy_records(services)
    before = query(database, "SELECT digest, signer_name FROM treatment_sessions")
    services.close()
    _downgrade_to_0003(database)
    assert query(database, "SELECT version_num FROM alembic_version") == [
        ("0003_courses_and_lots",)]

    upgraded = open_services(database, tmp_path / "backups", clock=lambda: NOW)
    try:
        if not is_server(database):  # a server database is migrated in one transaction
            assert list((tmp_path / "backups").glob("before-migration-0003_courses_and_lots-*"))
        assert upgraded.sessions.get(session_id).signature.rule == 1
        assert upgraded.sessions.verify(session_id) is None
        assert "Sign-off: signed electronically" in _pdf_text(
            upgraded.reports.session_report(session_id))
    finally:
        upgraded.close()
    assert query(database, "SELECT digest, signer_name FROM treatment_sessions") == before
    assert query(database, "SELECT digest_rule, signed_audit_id FROM treatment_sessions") == [
        (1, None)]
    assert query(database, "SELECT count(*) FROM addenda") == [(1,)]
    if not is_server(database):  # the server enforces foreign keys as it writes
        assert query(database, "PRAGMA foreign_key_check") == []
    status, report = _check(capsys, database)
    assert status == EXIT_OK, report

    # A second consent copied from the first finds no entry of its own left to match.
    sql(database, "INSERT INTO consents (patient_id, kind, text_version, consent_date, "
                  "witnessed_by, recorded_by, recorded_at) SELECT patient_id, kind, "
                  "text_version, consent_date, witnessed_by, recorded_by, recorded_at "
                  "FROM consents")
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert "treatment consent 2 (version 1) of patient P000101: no audit entry" in report


# -- every document that prints a signed session checks it --------------------------------
def test_the_summary_and_the_aftercare_sheet_warn_on_a_tampered_session(signed, database,
                                                                         services):
    patient, session, _unsigned = signed
    drop_triggers(database, ["signed_session_no_update"])
    sql(database, "UPDATE treatment_sessions SET serum_product = 'Something else' "
                  "WHERE signed_at IS NOT NULL")
    summary = _pdf_text(services.reports.patient_summary(patient.id))
    assert ("Session of 20 Nov 2026: WARNING: this signed record does not match its "
            "signature") in summary
    aftercare = _pdf_text(services.reports.aftercare_sheet(session.id))
    assert "WARNING: this signed record does not match its signature" in aftercare
    mismatches = query(database, "SELECT session_id FROM audit_log WHERE action = "
                                f"'{Action.DIGEST_MISMATCH}'")
    assert mismatches == [(session.id,), (session.id,)]


def test_documents_of_an_untouched_signed_session_carry_no_warning(signed, services):
    patient, session, _unsigned = signed
    for pdf in (services.reports.patient_summary(patient.id),
                services.reports.aftercare_sheet(session.id),
                services.reports.session_report(session.id)):
        assert "WARNING" not in _pdf_text(pdf)


def test_check_reads_a_database_not_yet_upgraded(services, database, capsys):
    """`check` before the app has opened (and upgraded) an older file: its rule-1
    signatures are verified, and a changed one is still caught."""
    _patient_id, session_id = _legacy_records(services)
    services.close()
    _downgrade_to_0003(database)
    status, report = _check(capsys, database)
    assert status == EXIT_OK, report
    drop_triggers(database, ["signed_session_no_update"])
    sql(database, "UPDATE treatment_sessions SET outcome_notes = 'rewritten'")
    status, report = _check(capsys, database)
    assert status != EXIT_OK
    assert f"signed session {session_id} (patient P000101, 2026-11-20) no longer" in report


# -- the next appointment time (0005) leaves earlier signatures as they were ---------------
def _digest_before_the_time_existed(patient_number: str, session) -> str:
    """Rule 1 as versions before the next appointment time computed it: every field."""
    import hashlib

    from practitioner_app.domain.codec import to_plain
    from practitioner_app.domain.signing import UNSIGNED_FIELDS

    plain = to_plain(session)
    for name in UNSIGNED_FIELDS:
        plain.pop(name, None)
    del plain["aftercare"]["next_appointment_time"]  # the field did not exist then
    document = {"patient_number": patient_number, "session": plain}
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode("utf-8")).hexdigest()


def test_sessions_signed_before_the_appointment_time_still_verify_after_migrating(
        clinic, services, database, tmp_path, capsys):
    _legacy_patient_id, legacy_id = _legacy_records(services)
    patient = clinic.patients.register(a_patient(number="P000102"))
    clinic.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1),
                                               "Sam Witness"))
    session = clinic.sessions.save(patient.id, a_full_session())
    clinic.sessions.sign(session.id, PASSWORD)
    legacy = services.sessions.get(legacy_id)
    number = services.patients.get(legacy.patient_id).number
    assert legacy.signature.digest == _digest_before_the_time_existed(number, legacy)
    before = query(database, "SELECT id, digest, digest_rule FROM treatment_sessions")
    services.close()
    _downgrade_to(database, "0004_signature_audit_links")
    assert query(database, "SELECT version_num FROM alembic_version") == [
        ("0004_signature_audit_links",)]

    upgraded = open_services(database, tmp_path / "backups", clock=lambda: NOW)
    try:
        assert upgraded.sessions.verify(session.id) is None
        assert upgraded.sessions.verify(legacy_id) is None
        assert upgraded.sessions.get(session.id).aftercare.next_appointment_time is None
    finally:
        upgraded.close()
    assert query(database, "SELECT version_num FROM alembic_version") == [
        (migrator.HEAD_REVISION,)]
    assert query(database, "SELECT id, digest, digest_rule FROM treatment_sessions") == before
    assert query(database, "SELECT count(*) FROM treatment_sessions WHERE "
                          "aftercare_next_appointment_time IS NOT NULL") == [(0,)]
    status, report = _check(capsys, database)
    assert status == EXIT_OK, report

    # `check` on a file not yet upgraded to 0005 reads it as before.
    _downgrade_to(database, "0004_signature_audit_links")
    status, report = _check(capsys, database)
    assert status == EXIT_OK, report
