"""Helper process (not a test module): holds a database's lock as a running copy of the
app does and prints `locked <pid>`; on the line `closing` from its standard input it
marks the lock as a copy whose window has closed does (it only finishes its closing
backup) and prints `closing`; it lets go when its standard input closes (or dies with it
when killed).

usage: python -m tests.closing_lock_holder DB [--as-on-windows]
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
    for line in sys.stdin:
        if line.strip() == "closing":
            lock.mark_closing()
            print("closing", flush=True)
    lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
