"""`check` on a clinic of any size: its memory does not grow with the records, it reads
every record the way the app reads it, a batch at a time (breaks across batches are
found as within one), and it stops when cancelled, saying so. On the SQLite file and on
the clinic server."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import date

import pytest

from practitioner_app.domain.location import parse_location
from practitioner_app.domain.signing import Consent
from practitioner_app.services import record_checks, record_stream
from practitioner_app.services.check_runner import CheckProgress
from practitioner_app.services.opening import backup_service_for, backups_dir_for
from practitioner_app.services.record_stream import signed_sessions
from tests.factories import a_full_session, a_patient
from tests.server_helpers import drop_triggers, is_server, raw_connection, sql

PASSWORD = "correct horse battery"

#: The check of a clinic, run in a process of its own, which then says the most memory
#: it ever held (VmHWM: its peak resident set).
_CHILD = """
import sys
from practitioner_app.domain.location import parse_location
from practitioner_app.services.opening import backup_service_for, backups_dir_for

location = parse_location(sys.argv[1])
report = backup_service_for(location, backups_dir_for(location)).check()
assert report.ok, report.lines()
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(int(peak.split()[1]))
"""


def _peak_kib_of_check(database) -> int:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(database)], capture_output=True,
                          text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def _backups(database):
    location = parse_location(str(database))
    return backup_service_for(location, backups_dir_for(location))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_the_memory_a_check_needs_does_not_grow_with_the_clinic(services, database):
    services.demo.generate(60, seed=1)
    small = _peak_kib_of_check(database)
    services.demo.generate(1200, seed=2)  # twenty times the records, all signed alike
    large = _peak_kib_of_check(database)
    # Reading every session through the ORM and the audit trail as a list, the peak grew
    # by about 120 MB from 60 to 1,260 patients; now the small clinic fills the batches
    # already, and the peak grows by about 3 MB.
    assert large - small < 8 * 1024, (small, large)


def test_the_check_reads_each_signed_session_as_the_app_does(services):
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    patient = services.patients.register(a_patient())
    services.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1), "Sam"))
    ids = []
    for day in (date(2026, 10, 2), date(2026, 11, 20)):
        saved = services.sessions.save(patient.id, a_full_session(session_date=day))
        services.sessions.sign(saved.id, PASSWORD)
        ids.append(saved.id)
    services.sessions.add_addendum(ids[0], "Follow-up", "Seen again by phone.")
    services.sessions.save(patient.id, a_full_session(session_date=date(2026, 11, 23)))

    read = list(_each_signed_session(services))
    expected = [dataclasses.replace(services.sessions.get(i), addenda=()) for i in ids]
    assert [number for number, _session in read] == [patient.number] * 2
    assert [session for _number, session in read] == expected
    assert [s.signature.imported for _n, s in read] == [None, None]


def _each_signed_session(services):
    location = services.location
    if location.is_server:
        from practitioner_app.persistence.server_tools import server_check_connection

        with server_check_connection(location.url) as con:
            yield from signed_sessions(con)
    else:
        from practitioner_app.persistence.sqlite_checks import connect

        with connect(location.path) as con:
            yield from signed_sessions(con)


# -- a batch at a time: breaks beyond the first batch ------------------------------------------


@pytest.fixture
def tiny_batches(monkeypatch):
    """Every read of the checks one or two rows at a time, so every record is in a later
    batch than the first."""
    monkeypatch.setattr(record_stream, "BATCH", 1)
    monkeypatch.setattr(record_checks, "AUDIT_BATCH", 2)


@pytest.fixture
def clinic(services):
    """Three patients with consents, signed sessions and an addendum."""
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    for n in range(3):
        patient = services.patients.register(a_patient(number=f"P00010{n}"))
        services.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1),
                                                     "Sam Witness"))
        for day in (date(2026, 10, 2), date(2026, 11, 20)):
            saved = services.sessions.save(patient.id, a_full_session(session_date=day))
            services.sessions.sign(saved.id, PASSWORD)
        services.sessions.add_addendum(saved.id, "Follow-up", "Seen again by phone.")
    return services


def test_a_sound_clinic_read_a_row_at_a_time_passes(clinic, database, tiny_batches):
    report = _backups(database).check()
    assert report.ok, report.lines()


def test_a_session_changed_in_a_later_batch_is_caught(clinic, database, tiny_batches):
    drop_triggers(database, ["signed_session_no_update"])
    sql(database, "UPDATE treatment_sessions SET outcome_notes = 'rewritten' WHERE id = 5")
    [signed] = [r for r in _backups(database).check().results if r.name == "signed sessions"]
    assert signed.problems == ("signed session 5 (patient P000102, 2026-10-02) no longer "
                               "matches its signature",)


def test_a_zone_changed_in_a_later_batch_is_caught(clinic, database, tiny_batches):
    drop_triggers(database)
    sql(database, "UPDATE zone_treatments SET depth_mm = depth_mm + 0.5 WHERE session_id = 6")
    [signed] = [r for r in _backups(database).check().results if r.name == "signed sessions"]
    assert signed.problems == ("signed session 6 (patient P000102, 2026-11-20) no longer "
                               "matches its signature",)


def test_an_audit_entry_altered_in_a_later_batch_is_caught(clinic, database, tiny_batches):
    drop_triggers(database)
    with raw_connection(database) as con:
        [(entry_id,)] = con.execute("SELECT max(id) - 3 FROM audit_log").fetchall()
    sql(database, ("UPDATE audit_log SET username = 'someone' WHERE id = ?", (entry_id,)))
    [chain] = [r for r in _backups(database).check().results if r.name == "audit trail"]
    assert chain.problems == (f"the audit trail does not hold: entry {entry_id} was altered",)


def test_a_consent_in_a_later_batch_tied_to_another_patients_entry_is_caught(
        clinic, database, tiny_batches):
    drop_triggers(database)
    with raw_connection(database) as con:
        [(first,), (third,)] = con.execute(
            "SELECT audit_id FROM consents WHERE id IN (1, 3) ORDER BY id").fetchall()
    sql(database, ("UPDATE consents SET audit_id = ? WHERE id = 3", (first,)))
    [ties] = [r for r in _backups(database).check().results if r.name == "audit ties"]
    assert ties.problems == (
        f"2 records name audit entry {first}, which recorded one",
        f"treatment consent 3 (version 1) of patient P000102: audit entry {first}, which "
        "it names, did not record it")
    assert third != first


# -- rows from before links existed, several patients ------------------------------------------


def test_legacy_rows_are_matched_with_their_own_patients_entries(clinic, database):
    """Rows of two patients naming no entry, as before links existed, each matched with
    an entry of its own patient only; a third such row, a copy, finds none left."""
    drop_triggers(database)
    with raw_connection(database) as con:
        entries = con.execute("SELECT c.id, e.id, e.details FROM consents c JOIN audit_log e "
                              "ON e.id = c.audit_id WHERE c.id IN (1, 2) ORDER BY c.id"
                              ).fetchall()
    for consent_id, entry_id, details in entries:
        plain = {k: v for k, v in json.loads(details).items() if k != "content"}
        sql(database, ("UPDATE consents SET audit_id = NULL WHERE id = ?", (consent_id,)),
            ("UPDATE audit_log SET details = ? WHERE id = ?", (json.dumps(plain), entry_id)))
    # The chain now breaks where the details were rewritten; the ties are what is tested.
    [ties] = [r for r in _backups(database).check().results if r.name == "audit ties"]
    assert ties.problems == ()

    sql(database, "INSERT INTO consents (patient_id, kind, text_version, consent_date, "
                  "witnessed_by, recorded_by, recorded_at) SELECT patient_id, kind, "
                  "text_version, consent_date, witnessed_by, recorded_by, recorded_at "
                  "FROM consents WHERE id = 2")
    [ties] = [r for r in _backups(database).check().results if r.name == "audit ties"]
    assert ties.problems == ("treatment consent 4 (version 1) of patient P000101: no audit "
                             "entry recorded it (written outside the app)",)


# -- cancelled ---------------------------------------------------------------------------------


def _cancel_when(check: str) -> CheckProgress:
    """A run that is cancelled as soon as `check` says how much it has to read."""
    progress = None

    def report(status) -> None:
        if status.check == check and status.total is not None:
            progress.cancel()

    progress = CheckProgress(report, interval=0)
    return progress


@pytest.mark.parametrize("check", ["audit trail", "signed sessions", "audit ties"])
def test_a_cancelled_check_says_so_and_never_that_all_is_well(clinic, database, check):
    names = [c.name for c in (_server_checks() if is_server(database) else _file_checks())]
    report = _backups(database).check(progress=_cancel_when(check))
    assert not report.ok
    assert report.cancelled == check
    assert report.not_run == tuple(names[names.index(check) + 1:])
    assert [r.name for r in report.results] == names[:names.index(check)]
    lines = report.lines()
    assert f"{check}: cancelled before it finished" in lines
    assert all(f"{name}: not run" in lines for name in report.not_run)
    assert "cancelled before it finished" in report.remedy


@pytest.mark.sqlite_only
def test_cancelling_stops_sqlites_own_integrity_check(services, database):
    """Cancelled as SQLite's integrity check starts: the statement is stopped (SQLite
    asks the run between its steps) and nothing after it runs."""
    services.demo.generate(150, seed=1)
    progress = None

    def report(status) -> None:
        if status.check == "integrity":
            progress.cancel()

    progress = CheckProgress(report, interval=0)
    report = _backups(database).check(progress=progress)
    assert report.cancelled == "integrity" and not report.ok
    assert report.results == () and report.not_run[0] == "foreign keys"
    assert _backups(database).check().ok  # not cancelled: every check runs, all sound


def _file_checks():
    from practitioner_app.services.backup import CHECKS

    return CHECKS


def _server_checks():
    from practitioner_app.services.server_backup import SERVER_CHECKS

    return SERVER_CHECKS
