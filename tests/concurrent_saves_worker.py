"""One workstation of tests/integration/test_concurrent_saves.py, as its own process.

`python -m tests.concurrent_saves_worker URL USERNAME START_AT SECONDS PATIENT DRAFT SHARED`
waits until the time START_AT (so every workstation begins at the same moment), tries
once to sign the shared draft DRAFT, then for SECONDS: registers a patient with a blank
number and records their consent, records a session of patient PATIENT and signs every
other one (with an addendum), appends a token to the plan of patient PATIENT and to the
notes of the shared draft SHARED (each read, changed and saved, read again and retried
when another workstation saved in between), and appends an audit entry. Prints what it
did as one JSON line.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from datetime import date

from argon2 import PasswordHasher

import practitioner_app.services.accounts as accounts
from practitioner_app.domain.audit import Action
from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.errors import RecordSigned, StaleRecord
from practitioner_app.domain.signing import Consent
from practitioner_app.services.container import open_services
from tests.factories import a_full_session, a_patient

PASSWORD = "correct horse battery"


def _retried(attempt) -> int:
    """Run `attempt()` until no other workstation's save comes in between; returns the
    number of refusals it met."""
    refused = 0
    while True:
        try:
            attempt()
            return refused
        except StaleRecord:
            refused += 1


def main(argv: list[str]) -> int:
    url, username, start_at, seconds, patient_id, draft_id, shared_id = argv
    accounts.password_hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024,
                                                      parallelism=1)
    services = open_services(url)
    done = {"user": username, "registered": [], "tokens": [], "signed": [], "refusals": 0,
            "signed_draft": None}
    try:
        services.accounts.sign_in(username, PASSWORD)
        time.sleep(max(0.0, float(start_at) - time.time()))
        try:
            services.sessions.sign(int(draft_id), PASSWORD)
            done["signed_draft"] = "signed"
        except RecordSigned as refused:
            done["signed_draft"] = str(refused)
        deadline = time.time() + float(seconds)
        step = 0
        while time.time() < deadline:
            step += 1
            token = f"[{username}-{step}]"
            registered = services.patients.register(a_patient(
                number="", full_name=f"{username} patient {step}"))
            done["registered"].append(registered.number)
            services.consents.record(registered.id, Consent(
                "treatment", "1", date(2026, 11, 1), "Sam Witness"))

            session = services.sessions.save(int(patient_id), a_full_session(
                status=SessionStatus.COMPLETED))
            if step % 2:
                services.sessions.sign(session.id, PASSWORD, version=session.version)
                services.sessions.add_addendum(session.id, "Follow-up", token)
                done["signed"].append(session.id)

            def append_to_plan(token: str = token) -> None:
                patient = services.patients.get(int(patient_id))
                services.patients.update(dataclasses.replace(
                    patient, plan=f"{patient.plan} {token}"))

            def append_to_notes(token: str = token) -> None:
                shared = services.sessions.get(int(shared_id))
                services.sessions.save(shared.patient_id, dataclasses.replace(
                    shared, outcome=dataclasses.replace(
                        shared.outcome, notes=f"{shared.outcome.notes} {token}")))

            done["refusals"] += _retried(append_to_plan) + _retried(append_to_notes)
            services.audit.log(Action.LOCKED)
            done["tokens"].append(token)
    finally:
        services.close()
    print(json.dumps(done))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
