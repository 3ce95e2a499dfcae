"""Many commands at once on one database leave one unbroken audit chain, and every
document they write is recorded in it: real processes, as a clinic's workstations and
scheduled tasks run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from practitioner_app.app import main
from practitioner_app.cli import EXIT_OK
from practitioner_app.domain.audit import Action
from tests.factories import a_full_session, a_patient
from tests.safety_helpers import query

# About the embedded SQLite file's own mechanism (its bytes, locks, PRAGMAs, query plans).
pytestmark = pytest.mark.sqlite_only

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]
#: The command line as installed, with the tests' cheap password hashing (the account's
#: hash was made with it, and a product-strength rehash in every process would only
#: make the test slow).
RUN_CLI = (
    "import sys\n"
    "from argon2 import PasswordHasher\n"
    "import practitioner_app.services.accounts as accounts\n"
    "accounts.password_hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024, "
    "parallelism=1)\n"
    "from practitioner_app.app import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
AT_ONCE = 10
ROUNDS = 3
#: One account per workstation: the sign-in's own guard against guessing counts
#: attempts of one account made at the same moment together.
USERS = [f"nurse{n}" for n in range(AT_ONCE)]


@pytest.fixture
def recorded(services):
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    for n, user in enumerate(USERS):
        services.accounts.add_user(user, f"Nurse {n}", "Nurse", "", PASSWORD)
    patient = services.patients.register(a_patient())
    return services.sessions.save(patient.id, a_full_session())


def _start(db: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PRACTITIONER_APP_PASSWORD=PASSWORD)
    return subprocess.Popen([sys.executable, "-c", RUN_CLI, "--db", str(db), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_ten_report_commands_at_once_are_all_written_audited_and_chained(
        db_path, tmp_path, recorded, capsys):
    written: list[Path] = []
    for round_ in range(ROUNDS):  # the break was intermittent: a few rounds
        targets = [tmp_path / f"round{round_}-{n}.pdf" for n in range(AT_ONCE)]
        commands = [_start(db_path, "--user", user, "report", "session", str(recorded.id),
                           "-o", str(target)) for user, target in zip(USERS, targets,
                                                                       strict=True)]
        # A verify running beside the appends must not mistake them for tampering.
        commands.append(_start(db_path, "audit", "verify"))
        results = [(c.communicate(timeout=120)[1], c.returncode) for c in commands]
        results = [(status, err) for err, status in results]
        assert [status for status, _ in results] == [EXIT_OK] * (AT_ONCE + 1), results
        assert not any("Traceback" in err or "error:" in err for _, err in results)
        written += targets

    for target in written:
        assert target.read_bytes().startswith(b"%PDF")
    saved = [json.loads(details)["path"] for (details,) in query(
        db_path, f"SELECT details FROM audit_log WHERE action = '{Action.REPORT_SAVED}' "
                 "AND username LIKE 'nurse%'")]
    assert sorted(saved) == sorted(str(t) for t in written)  # one entry per PDF
    signed_in = query(db_path, "SELECT count(*) FROM audit_log WHERE action = "
                               f"'{Action.SIGN_IN}'")
    assert signed_in == [(ROUNDS * AT_ONCE,)]

    assert main(["--db", str(db_path), "audit", "verify"]) == EXIT_OK
    assert "The audit trail holds" in capsys.readouterr().out


# -- a check that reads while others append ------------------------------------------------
def test_an_entry_appended_while_verify_reads_is_not_taken_for_a_removal(services, recorded,
                                                                        db_path):
    from sqlalchemy import event

    from practitioner_app.services.container import open_services

    other = open_services(db_path)  # another workstation, appending between two reads
    reads: list[str] = []

    def append_between_reads(_conn, _cursor, statement, *_args) -> None:
        if "audit_log" in statement or "sqlite_sequence" in statement:
            reads.append(statement)
            if len(reads) == 1:
                other.audit.log(Action.LOCKED)

    event.listen(services._database.engine, "after_cursor_execute", append_between_reads)
    try:
        count, problem = services.audit.verify()
    finally:
        event.remove(services._database.engine, "after_cursor_execute", append_between_reads)
        other.close()
    # The counter, then the newest entry and the chain a slice at a time.
    assert len(reads) >= 3 and problem is None


def test_an_entry_appended_while_check_reads_is_not_taken_for_a_removal(services, recorded,
                                                                       db_path):
    import sqlite3

    from practitioner_app.services.container import open_services
    from practitioner_app.services.record_checks import audit_chain_problems

    other = open_services(db_path)
    reads: list[str] = []

    def append_before_second_read(statement: str) -> None:
        if "FROM audit_log WHERE id >" in statement or "sqlite_sequence" in statement:
            reads.append(statement)
            if len(reads) == 2:
                other.audit.log(Action.LOCKED)

    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    con.set_trace_callback(append_before_second_read)
    try:
        problems = audit_chain_problems(con)
    finally:
        con.close()
        other.close()
    assert len(reads) == 2 and problems == []
