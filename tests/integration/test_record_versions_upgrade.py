"""A clinic's records from before row versions upgrade with every row kept (versions
start at 0), their signatures and protections intact, and then refuse stale saves like
any other: on the SQLite file (table copies with foreign keys off) and on the server."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from alembic import command
from alembic.config import Config

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.course import Course
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.errors import StaleRecord
from practitioner_app.domain.signing import Consent
from practitioner_app.persistence import migrator, triggers
from practitioner_app.persistence.engine import make_engine
from practitioner_app.services.container import open_services
from tests.conftest import NOW
from tests.factories import a_full_session, a_patient
from tests.server_helpers import is_server, query, sql

PASSWORD = "correct horse battery"
BEFORE = "0005_next_appointment_time"
TABLES = ("patients", "treatment_sessions", "zone_treatments", "screen_answers", "courses",
          "consents", "addenda", "audit_log", "clinic_settings", "users")


def _engine(database):
    if is_server(database):
        from practitioner_app.persistence.server import make_server_engine

        return make_server_engine(str(database))
    return make_engine(database, foreign_keys=False)


def _downgrade(database, revision: str) -> None:
    """Take the database back to `revision`, as an older app left it."""
    engine = _engine(database)
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


def _counts(database) -> dict[str, int]:
    return {table: query(database, f"SELECT count(*) FROM {table}")[0][0] for table in TABLES}


@pytest.fixture
def older_clinic(services, database):
    """Two patients with sessions (one signed, with an addendum), a course and clinic
    details, taken back to the schema before row versions."""
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    services.clinic.save_profile(ClinicProfile("Skin Clinic"))
    first = services.patients.register(a_patient(number="P000001"))
    second = services.patients.register(a_patient(number="P000002", full_name="Bo Chen"))
    services.consents.record(first.id, Consent("treatment", "1", date(2026, 11, 1), "Sam"))
    services.courses.save(first.id, Course(0, date(2026, 11, 1)))
    signed = services.sessions.save(first.id, a_full_session(status=SessionStatus.COMPLETED))
    services.sessions.sign(signed.id, PASSWORD)
    services.sessions.add_addendum(signed.id, "Follow-up", "Healed well.")
    draft = services.sessions.save(second.id, a_full_session())
    services.close()
    _downgrade(database, BEFORE)
    with pytest.raises(Exception, match="version"):
        query(database, "SELECT version FROM patients")
    return {"counts": _counts(database), "signed": signed.id, "draft": draft.id,
            "first": first.id, "second": second.id}


def test_an_older_clinic_upgrades_with_every_row_kept_and_versions_at_zero(
        older_clinic, database, tmp_path, capsys):
    upgraded = open_services(database, tmp_path / "backups", clock=lambda: NOW)
    try:
        assert _counts(database) == older_clinic["counts"]
        for table in ("patients", "treatment_sessions", "courses", "clinic_settings"):
            assert query(database, f"SELECT DISTINCT version FROM {table}") == [(0,)]
        assert upgraded.sessions.verify(older_clinic["signed"]) is None
        assert upgraded.sessions.get(older_clinic["signed"]).addenda[0].text == "Healed well."
        if not is_server(database):
            assert query(database, "PRAGMA foreign_key_check") == []
        # The signed session is still protected, also from plain SQL.
        with pytest.raises(Exception, match="signed session cannot be changed"):
            sql(database, "UPDATE treatment_sessions SET version = 7 WHERE id = "
                          f"{older_clinic['signed']}")

        # Rows read at version 0 save, and a stale save of one is refused.
        other = open_services(database, clock=lambda: NOW)
        try:
            upgraded.accounts.sign_in("jroe", PASSWORD)
            at_other = other.patients.get(older_clinic["second"])
            patient = upgraded.patients.get(older_clinic["second"])
            assert (patient.version, at_other.version) == (0, 0)
            assert upgraded.patients.update(dataclasses.replace(
                patient, allergies="Latex")).version == 1
            with pytest.raises(StaleRecord, match="Dr Jane Roe \\(jroe\\) changed"):
                other.patients.update(dataclasses.replace(at_other, phone="1"))
            draft = upgraded.sessions.get(older_clinic["draft"])
            assert upgraded.sessions.save(older_clinic["second"], draft).version == 0
        finally:
            other.close()
    finally:
        upgraded.close()
    assert query(database, "SELECT version_num FROM alembic_version") == [
        (migrator.HEAD_REVISION,)]


def test_the_upgrade_goes_back_down_to_the_older_schema(older_clinic, database, tmp_path):
    open_services(database, tmp_path / "backups", clock=lambda: NOW).close()
    _downgrade(database, BEFORE)
    assert _counts(database) == older_clinic["counts"]
    assert query(database, "SELECT version_num FROM alembic_version") == [(BEFORE,)]
