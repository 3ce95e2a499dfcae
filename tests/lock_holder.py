"""Helper process (not a test module): holds a database's lock the way a running copy of
the app does, prints `locked <pid>`, and lets go when its standard input closes (or dies
with it when killed).

usage: python -m tests.lock_holder DB [--as-on-windows]

With --as-on-windows the lock is taken as on Windows (tests/fake_msvcrt.py).
"""

from __future__ import annotations

import os
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
    sys.stdin.read()
    lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
