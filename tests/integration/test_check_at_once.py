"""`check` of a large clinic: the signed digests confirmed straight from the stored values
(services/row_digest.py) are exactly the app's, and the checks run in several processes
at once (services/check_parallel.py) give the very report one process gives, find a
break in any part, and say so when cancelled. On the SQLite file and on the server."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest

from practitioner_app.domain.location import parse_location
from practitioner_app.domain.session import Aftercare
from practitioner_app.domain.signing import Consent, canonical_bytes
from practitioner_app.services import check_parallel
from practitioner_app.services.check_runner import CheckProgress
from practitioner_app.services.opening import backup_service_for, backups_dir_for
from practitioner_app.services.record_stream import SignedSessionReader
from tests.factories import a_full_session, a_patient
from tests.server_helpers import drop_triggers, raw_connection, sql

PASSWORD = "correct horse battery"

#: Text as clinicians and patients type it: markup, every script, quotes, escapes,
#: line breaks, emoji, a very long note.
HOSTILE = ["<b>bold</b> & \"quoted\" 'single' \\ back/slash", "Łukasz Żółć · Ελένη · Дмитрий",
           "李小龍 · 山田太郎 · 김민준 · محمد العلي · שרה", "line one\nline two\ttab\r\u2028",
           "🙂 emoji 🧴 and ZWJ 👩‍⚕️", "x" * 5000]


def _check_connection(services):
    location = services.location
    if location.is_server:
        from practitioner_app.persistence.server_tools import server_check_connection

        return server_check_connection(location.url)
    from practitioner_app.persistence.sqlite_checks import connect

    return connect(location.path)


def _bytes_both_ways(services) -> list[tuple[bytes, bytes]]:
    """For each signed session: (the bytes from its stored values, the app's own)."""
    pairs = []
    with _check_connection(services) as con:
        reader = SignedSessionReader(con)
        for batch in reader.batches():
            for rows in batch:
                session = reader.session(rows)
                pairs.append((reader.digest.canonical_bytes(rows.number, rows.row,
                                                            rows.zones, rows.screen),
                              canonical_bytes(rows.number, session, session.signature)))
    return pairs


def test_every_signed_session_of_a_demo_clinic_gives_the_apps_own_bytes(services):
    services.demo.generate(40, seed=3)
    pairs = _bytes_both_ways(services)
    assert len(pairs) > 100
    assert [ours for ours, _app in pairs] == [app for _ours, app in pairs]


def test_sessions_of_any_text_and_every_optional_value_give_the_apps_own_bytes(services):
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    patient = services.patients.register(a_patient(full_name="Zoë O'Brien-Łukasiewicz"))
    services.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1), "Sam"))
    base = a_full_session()
    variants = [base]
    for n, text in enumerate(HOSTILE):
        zones = tuple(dataclasses.replace(z, note=text, technique=text[:200], rf_energy="",
                                          rf_pulse_ms=None if n % 2 else 12.345678901234)
                      for z in base.needling.zones)
        variants.append(dataclasses.replace(
            base, expired_lot_reason=text[:200], interval_override_reason=text[::-1][:200],
            needling=dataclasses.replace(base.needling, device_serial=text[:200],
                                         zones=zones),
            aftercare=Aftercare(given=True, instructions=text,
                                next_appointment=date(2027, 1, 5) if n % 3 else None,
                                next_appointment_time=time(14, 30) if n % 3 else None),
            screen=tuple(dataclasses.replace(a, note=text) for a in base.screen)))
    for day, session in enumerate(variants, 1):
        saved = services.sessions.save(patient.id, dataclasses.replace(
            session, session_date=date(2026, 1, day)))
        services.sessions.sign(saved.id, PASSWORD)
    pairs = _bytes_both_ways(services)
    assert len(pairs) == len(variants)
    for ours, app in pairs:
        assert ours == app


# -- several processes at once -----------------------------------------------------------------


@pytest.fixture
def at_once(monkeypatch):
    """Every check run in two worker processes, however small the clinic."""
    monkeypatch.setattr(check_parallel, "PARALLEL_FROM", 0)
    monkeypatch.setattr(check_parallel, "workers", lambda: 2)


def _backups(database):
    location = parse_location(str(database))
    return backup_service_for(location, backups_dir_for(location))


@pytest.fixture
def tampered(services, database):
    """A demo clinic with a signed session, a zone and an audit entry each changed
    outside the app (triggers dropped), in different parts of the id ranges."""
    services.demo.generate(30, seed=5)
    drop_triggers(database)
    with raw_connection(database) as con:
        signed = [r[0] for r in con.execute(
            "SELECT id FROM treatment_sessions WHERE signed_at IS NOT NULL ORDER BY id")]
        [(entries,)] = con.execute("SELECT max(id) FROM audit_log").fetchall()
    sql(database,
        ("UPDATE treatment_sessions SET outcome_notes = 'rewritten' WHERE id = ?",
         (signed[3],)),
        ("UPDATE zone_treatments SET depth_mm = depth_mm + 0.5 WHERE session_id = ?",
         (signed[-2],)),
        ("UPDATE audit_log SET username = 'someone' WHERE id = ?", (entries * 2 // 3,)),
        ("UPDATE audit_log SET action = 'edited' WHERE id = ?", (entries - 5,)))
    return signed, entries


def test_at_once_the_report_is_the_one_process_report(tampered, database, monkeypatch):
    signed, entries = tampered
    one = _backups(database).check()
    monkeypatch.setattr(check_parallel, "PARALLEL_FROM", 0)
    monkeypatch.setattr(check_parallel, "workers", lambda: 2)
    ran = []
    monkeypatch.setattr(check_parallel, "run", _spy(check_parallel.run, ran))
    several = _backups(database).check()
    assert ran, "the checks did not run in worker processes"
    assert several.lines() == one.lines()
    assert not several.ok
    problems = {r.name: r.problems for r in several.results}
    assert problems["audit trail"] == (
        f"the audit trail does not hold: entry {entries * 2 // 3} was altered",)
    assert len(problems["signed sessions"]) == 2
    assert problems["signed sessions"][0].startswith(f"signed session {signed[3]} ")
    assert problems["signed sessions"][1].startswith(f"signed session {signed[-2]} ")


def test_at_once_a_sound_clinic_passes_and_each_part_is_verified(services, database, at_once):
    services.demo.generate(30, seed=6)
    report = _backups(database).check()
    assert report.ok, report.lines()
    # Every part of the id ranges is read: a break in the last part is found too.
    drop_triggers(database)
    with raw_connection(database) as con:
        [(last,)] = con.execute("SELECT max(id) FROM treatment_sessions "
                                "WHERE signed_at IS NOT NULL").fetchall()
    sql(database, ("UPDATE treatment_sessions SET serum_lot = 'X' WHERE id = ?", (last,)))
    [signed] = [r for r in _backups(database).check().results if r.name == "signed sessions"]
    assert len(signed.problems) == 1
    assert signed.problems[0].startswith(f"signed session {last} ")


def test_at_once_an_entry_removed_at_a_part_boundary_or_the_end_is_found(
        services, database, at_once):
    services.demo.generate(20, seed=7)
    with raw_connection(database) as con:
        tasks = check_parallel.plan(con, ["audit trail"], 2)
        [(last,)] = con.execute("SELECT max(id) FROM audit_log").fetchall()
    boundary = sorted(t.after for t in tasks)[1]
    drop_triggers(database)
    sql(database, ("DELETE FROM audit_log WHERE id = ?", (boundary + 1,)))
    [chain] = [r for r in _backups(database).check().results if r.name == "audit trail"]
    assert chain.problems == (f"the audit trail does not hold: entry {boundary + 1} is "
                              "missing",)
    if parse_location(str(database)).is_server:
        return  # a server keeps no counter of ids issued: a removal at the end is not seen
    sql(database, ("DELETE FROM audit_log WHERE id = ?", (last,)))
    [chain] = [r for r in _backups(database).check().results if r.name == "audit trail"]
    assert chain.problems == (f"the audit trail does not hold: entry {boundary + 1} is "
                              "missing",)  # still the first break, as one process says


def test_at_once_a_cancelled_check_says_so_and_never_that_all_is_well(
        services, database, at_once):
    services.demo.generate(20, seed=8)
    progress = None

    def report(status) -> None:
        if status.count == 0:  # the checks run at once: cancel at the first word of it
            progress.cancel()

    progress = CheckProgress(report, interval=0)
    report = _backups(database).check(progress=progress)
    assert not report.ok
    assert report.cancelled is not None
    assert "cancelled before it finished" in report.remedy
    assert f"{report.cancelled}: cancelled before it finished" in report.lines()


def test_checks_run_at_once_say_which_run_and_how_far():
    from practitioner_app.services.check_runner import CheckStatus

    seen = []
    progress = CheckProgress(seen.append, interval=0)
    progress.together(["audit trail", "signed sessions"], 0.45)
    assert seen[-1].text() == "Checking: audit trail, signed sessions, 45%"
    assert CheckStatus("signed sessions", 5, 7, 45, 100).text() == (
        "Check 5 of 7: signed sessions, 45%")


def _spy(function, calls: list):
    def spied(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)
    return spied
