"""`msvcrt.locking`'s contract on POSIX, so the Windows lock path runs here: it locks
`nbytes` from the file's current position; LK_NBLCK fails at once with
OSError(EACCES) when another process holds any of them; LK_UNLCK lets go. Built on
POSIX byte-range locks, which like Windows' belong to the holder and go with it when
it dies (unlike Windows', a process never refuses itself, so tests use two processes).
"""

from __future__ import annotations

import errno
import fcntl
import os

LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4


def locking(fd: int, mode: int, nbytes: int) -> None:
    start = os.lseek(fd, 0, os.SEEK_CUR)
    if mode == LK_UNLCK:
        fcntl.lockf(fd, fcntl.LOCK_UN, nbytes, start, os.SEEK_SET)
        return
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, nbytes, start, os.SEEK_SET)
    except OSError as error:
        raise OSError(errno.EACCES, "Permission denied") from error


def use_in(lock_module) -> None:
    """Make `lock_module` (practitioner_app.persistence.file_lock) take its lock as on
    Windows: no flock, this msvcrt."""
    import sys

    lock_module.fcntl = None
    lock_module.msvcrt = sys.modules[__name__]
