"""A writer killed with SIGKILL at random moments loses nothing it reported as saved and
leaves no partial session (synchronous=FULL, WAL, one transaction per save).

A real process (tests/crash_writer.py) saves sessions through the services and prints
`saved <id> <digest>` after each save returns; this test kills it at a random moment,
many times over, and after every kill checks the database file.
"""

from __future__ import annotations

import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from practitioner_app.persistence.safety import State, assess, connect, integrity_problems
from practitioner_app.services.container import open_services
from tests.crash_writer import digest, session_for, zone_count
from tests.factories import a_patient

ROOT = Path(__file__).resolve().parents[2]
#: Kills per run; each costs one interpreter start (~0.8 s). CRASH_ROUNDS=200 for a soak.
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "20"))
LINE_TIMEOUT_S = 60  # only reached if the writer hangs; never a timed assertion
SAVED = re.compile(r"saved (\d+) ([0-9a-f]{64})\n\Z")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


class Writer:
    """The writer process, its stdout read line by line on a thread."""

    def __init__(self, db: Path, number: str, first: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_writer", str(db), number, str(first)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8")
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next_line(self) -> str:
        try:
            line = self.lines.get(timeout=LINE_TIMEOUT_S)
        except queue.Empty:
            self.process.kill()
            raise AssertionError("the writer printed nothing for a minute") from None
        if line is None:
            raise AssertionError(f"the writer ended early:\n{self.process.stderr.read()}")
        return line

    def kill(self) -> list[str]:
        """SIGKILL, then every line it managed to print in full."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self._reader.join()
        self.process.stderr.close()
        rest = []
        while (line := self.lines.get()) is not None:
            rest.append(line)
        return rest


def check_database(db: Path, reported: dict[int, str]) -> int:
    """The file opens and is sound; every reported session is there exactly as entered;
    every session there is whole. Returns how many sessions there are."""
    assert assess(db).state is State.OK
    with connect(db, "ro") as con:
        assert integrity_problems(con) == []
        zone_rows = dict(con.execute(
            "SELECT session_id, count(*) FROM zone_treatments GROUP BY session_id"))
    services = open_services(db)
    try:
        patient = services.patients.get_by_number("P000777")
        stored = {s.id: s for s in services.sessions.for_patient(patient.id)}
    finally:
        services.close()
    missing = sorted(set(reported) - set(stored))
    assert not missing, f"sessions reported as saved are missing: {missing}"
    for session_id, session in stored.items():
        sequence = int(re.fullmatch(r"seq=(\d+) zones=\d+", session.outcome.notes)[1])
        expected = session_for(sequence)
        assert len(session.needling.zones) == zone_rows.get(session_id, 0) \
            == zone_count(sequence), f"session {session_id} is partial"
        assert digest(session) == digest(expected), f"session {session_id} differs"
        if session_id in reported:
            assert digest(session) == reported[session_id]
    return len(stored)


def test_sigkill_at_random_moments_loses_no_reported_save_and_no_half_session(db_path):
    started = time.monotonic()
    services = open_services(db_path)
    services.patients.register(a_patient(number="P000777"))
    services.close()
    rng = random.Random(int(os.environ.get("CRASH_SEED", "20261124")))
    reported: dict[int, str] = {}
    sequence = 0
    for _round in range(ROUNDS):
        writer = Writer(db_path, "P000777", sequence)
        assert writer.next_line() == "ready\n"
        lines = [writer.next_line() for _ in range(rng.randint(0, 3))]
        time.sleep(rng.uniform(0, 0.015))  # the random moment, somewhere inside a save
        lines += writer.kill()
        saves = [m for line in lines if (m := SAVED.match(line))]
        reported.update((int(m[1]), m[2]) for m in saves)
        sequence += len(saves) + 1  # the save in flight may have landed: skip its number
        stored = check_database(db_path, reported)
        assert stored >= len(reported)
        landed_unreported = stored - len(reported)
    assert len(reported) >= ROUNDS  # the writer really got to work between kills
    print(f"{ROUNDS} kills, {len(reported)} reported saves, {landed_unreported} saved "
          "but killed before reporting, "
          f"{time.monotonic() - started:.1f} s")
