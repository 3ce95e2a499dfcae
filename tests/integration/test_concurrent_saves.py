"""Four workstations on one clinic server at the same moment, as separate processes:
registering patients with numbers chosen for them, recording and signing sessions,
recording consents and addenda, and all changing the same patient and the same draft
over and over. Afterwards no number is used twice, no change was silently lost, a draft
was signed once, and the audit trail and every signature check out. The same four
programs on one SQLite file (as scheduled commands beside the app might) hold up too."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from practitioner_app.cli import EXIT_OK
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.session import Outcome
from practitioner_app.domain.signing import Consent
from tests.cli_helpers import cli
from tests.factories import a_full_session, a_patient
from tests.server_helpers import query

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]
WORKSTATIONS = 4
#: How long the workstations keep at it together, after a common start.
SECONDS = 6
#: Time for each process to start and open the database before the common start.
START_DELAY = 6


@pytest.fixture
def clinic(services, database):
    """The clinic's accounts, a patient with consent every workstation changes, a
    completed draft they all try to sign, and a draft they all add notes to."""
    services.accounts.create_first_admin("jroe", "Dr Jane Roe", "Aesthetic nurse prescriber",
                                         "NMC 12A3456B", PASSWORD)
    for n in range(WORKSTATIONS):
        services.accounts.add_user(f"nurse{n}", f"Nurse {n}", "Nurse", "", PASSWORD)
    patient = services.patients.register(a_patient(number="P000001", plan="Plan:"))
    services.consents.record(patient.id, Consent("treatment", "1", date(2026, 11, 1),
                                                 "Sam Witness"))
    draft = services.sessions.save(patient.id, a_full_session(
        status=SessionStatus.COMPLETED))
    shared = services.sessions.save(patient.id, a_full_session(outcome=Outcome(notes="Notes:")))
    return patient.id, draft.id, shared.id


def test_four_workstations_at_once_lose_nothing_and_number_each_patient_once(
        clinic, database, services, capsys):
    patient_id, draft_id, shared_id = clinic
    start_at = time.time() + START_DELAY
    workers = [subprocess.Popen(
        [sys.executable, "-m", "tests.concurrent_saves_worker", str(database), f"nurse{n}",
         str(start_at), str(SECONDS), str(patient_id), str(draft_id), str(shared_id)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(WORKSTATIONS)]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert "Traceback" not in err, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    # Every workstation did its share at the same time, and met the others' saves.
    assert all(r["tokens"] for r in results), results
    assert sum(r["refusals"] for r in results) > 0  # saves did collide, and were retried

    # Patient numbers: each once, every registration kept.
    registered = [number for r in results for number in r["registered"]]
    assert len(set(registered)) == len(registered)
    assert query(database, "SELECT number FROM patients GROUP BY number HAVING count(*) > 1"
                 ) == []
    assert query(database, "SELECT count(*) FROM patients") == [(1 + len(registered),)]

    # No change silently lost: every token each workstation saved is still there.
    plan = services.patients.get(patient_id).plan
    notes = services.sessions.get(shared_id).outcome.notes
    tokens = [token for r in results for token in r["tokens"]]
    assert [t for t in tokens if t not in plan] == []
    assert [t for t in tokens if t not in notes] == []
    assert len(plan.split()) == 1 + len(tokens) and len(notes.split()) == 1 + len(tokens)

    # The draft they all signed at once: one signature, the others told who signed.
    outcomes = [r["signed_draft"] for r in results]
    assert outcomes.count("signed") == 1, outcomes
    signer = next(r["user"] for r in results if r["signed_draft"] == "signed")
    assert all(f"already signed by Nurse {signer[-1]} ({signer})" in o
               for o in outcomes if o != "signed")
    assert services.sessions.get(draft_id).signature.signer_username == signer
    assert query(database, "SELECT count(*) FROM audit_log WHERE action = 'session signed' "
                           "AND session_id = ?", (draft_id,)) == [(1,)]

    status, out, err = cli(capsys, str(database), "audit", "verify")
    assert status == EXIT_OK, out + err
    status, out, err = cli(capsys, str(database), "check")
    assert status == EXIT_OK, out + err
    assert "signed sessions: ok" in out and "audit ties: ok" in out
    signed = sum(len(r["signed"]) for r in results) + 1
    assert query(database, "SELECT count(*) FROM treatment_sessions "
                           "WHERE signed_at IS NOT NULL") == [(signed,)]
