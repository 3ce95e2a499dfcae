"""Helper process for tests/integration/test_crash_safety.py (not a test module).

Saves treatment sessions for one patient through the services, one after another, and
after each save returns prints `saved <session id> <digest>` (the SHA-256 of the session's
codec form, as entered). The test kills this process with SIGKILL at random moments.

usage: python -m tests.crash_writer DB PATIENT_NUMBER FIRST_SEQUENCE
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from practitioner_app.domain.codec import to_plain
from practitioner_app.domain.enums import FacialZone
from practitioner_app.domain.session import TreatmentSession, ZoneTreatment
from tests.factories import a_full_session

ZONES = list(FacialZone)


def zone_count(sequence: int) -> int:
    return 1 + sequence % min(6, len(ZONES))


def session_for(sequence: int) -> TreatmentSession:
    """The session saved as number `sequence`: its zone count and notes follow from it,
    so the checker knows exactly what a complete copy looks like."""
    base = a_full_session(session_date=date.today() - timedelta(days=1))
    zones = tuple(
        ZoneTreatment(zone, round(0.25 + 0.05 * k, 2), 1 + (sequence + k) % 6,
                      speed=str(5 + k), technique="Crosshatch",
                      note=f"seq {sequence} zone {k} — Łódź ж")
        for k, zone in enumerate(ZONES[:zone_count(sequence)]))
    needling = dataclasses.replace(base.needling, zones=zones)
    outcome = dataclasses.replace(base.outcome, notes=f"seq={sequence} zones={len(zones)}")
    return dataclasses.replace(base, needling=needling, outcome=outcome)


def digest(session: TreatmentSession) -> str:
    plain = json.dumps(to_plain(session), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def main(argv: list[str]) -> int:
    from practitioner_app.services.container import open_services

    db, number, first = Path(argv[0]), argv[1], int(argv[2])
    services = open_services(db)
    patient = services.patients.get_by_number(number)
    print("ready", flush=True)
    sequence = first
    while True:
        session = session_for(sequence)
        saved = services.sessions.save(patient.id, session)
        print(f"saved {saved.id} {digest(session)}", flush=True)
        sequence += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
