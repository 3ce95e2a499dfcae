"""Helper process (not a test module): holds a database's lock as a running copy of the
app does and prints `locked <pid>`; on the line `closing` from its standard input it
marks the lock as a copy whose window has closed does (it only finishes its closing
backup) and prints `closing`; it lets go when its standard input closes (or dies with it
when killed).

usage: python -m tests.closing_lock_holder DB [--as-on-windows]

`Holder` starts and drives it from a test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from practitioner_app.persistence import file_lock
from practitioner_app.persistence.file_lock import DatabaseLock


def main(argv: list[str]) -> int:
    if "--as-on-windows" in argv[1:]:
        from tests import fake_msvcrt

        fake_msvcrt.use_in(file_lock)
    lock = DatabaseLock(Path(argv[0])).acquire()
    print(f"locked {os.getpid()}", flush=True)
    for line in sys.stdin:
        if line.strip() == "closing":
            lock.mark_closing()
            print("closing", flush=True)
    lock.release()
    return 0


ROOT = Path(__file__).resolve().parents[1]


class Holder:
    """Another copy of the app holding `db` (this module, in its own process): `closing()`
    marks it as a copy whose window has closed; `let_go()` ends it."""

    def __init__(self, db: Path, lock_kind: list[str] | tuple[str, ...] = ()) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.closing_lock_holder", str(db), *lock_kind],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline() == f"locked {self.process.pid}\n"
        self.pid = self.process.pid

    def closing(self) -> Holder:
        self.process.stdin.write("closing\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline() == "closing\n"
        return self

    def let_go(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0

    def end(self) -> None:
        self.process.kill()
        self.process.wait()
        self.process.stdout.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
