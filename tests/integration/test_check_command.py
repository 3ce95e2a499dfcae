"""`practitioner-app check` on a terminal: which check runs and how far it is, on stderr
only when stderr is a terminal; Ctrl+C stops it with a message and a non-zero exit,
never a verdict on checks that did not run."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from practitioner_app.cli import EXIT_OK
from tests.cli_helpers import cli

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_terminal_the_output_is_the_checks_lines_only(services, database, capsys):
    services.demo.generate(20, seed=1)
    services.close()
    status, out, err = cli(capsys, database, "check")
    assert status == EXIT_OK, out + err
    *checks, verdict = out.splitlines()
    assert all(line.endswith(": ok") for line in checks)
    assert verdict == f"No problems found in {database}."  # a server's URL as given
    assert err == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal")
def test_on_a_terminal_progress_shows_and_ctrl_c_stops_the_check(services, database):
    services.demo.generate(600, seed=1)
    services.close()
    import pty

    terminal, stderr = pty.openpty()
    command = subprocess.Popen(
        [str(Path(sys.executable).with_name("practitioner-app")), "--db", str(database),
         "check"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
    os.close(stderr)
    shown, interrupted = b"", False
    give_up = time.monotonic() + 120
    while time.monotonic() < give_up:
        ready, _, _ = select.select([terminal], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the command closed its end
                break
            if not chunk:
                break
            shown += chunk
        if not interrupted and b"signed sessions" in shown:
            command.send_signal(signal.SIGINT)
            interrupted = True
        if command.poll() is not None and not ready:
            break
    out = command.stdout.read().decode()
    status = command.wait(timeout=60)
    os.close(terminal)
    text = shown.decode(errors="replace")
    assert "Check 1 of " in text and "Check 2 of " in text
    assert interrupted, text
    assert status == 128 + signal.SIGINT, out + text
    assert "check cancelled (Ctrl+C) during 'signed sessions'" in text
    assert "signed sessions: cancelled before it finished" in out
    assert "audit ties: not run" in out
    assert "No problems" not in out + text
