"""Verifies the audit chain on a thread of its own while a window stays usable, and says
how far it got.

Not the shared background helper (ui/workers.py): that runs one task at a time, and a
million entries would hold back every PDF and export queued behind them. The walk reads
its own short transactions a slice at a time (services/audit_verification.py), so it
stops within a slice when asked.
"""

from __future__ import annotations

import threading
from time import monotonic
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from ..services.audit_verification import ChainState
    from ..services.container import Services

#: Progress is passed to the window at most this often: a million entries walk in about
#: 500 slices, and the window needs only a few updates a second.
PROGRESS_EVERY_S = 0.1


class ChainVerifier(QObject):
    """`start()` begins; `progressed(ChainState)` while walking, then `finished(
    ChainState)` or `failed(Exception)`, all delivered on the GUI thread (queued from the
    walking thread). `cancel()` asks the walk to stop; it then keeps what it verified and
    emits nothing more."""

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_progress = 0.0
        #: Set by whoever decided to start it (the window, once shown).
        self.started = False

    def start(self) -> None:
        self.started = True
        if self._stop.is_set():  # closed before it began
            return
        self._thread = threading.Thread(target=self._run, name="audit chain verification",
                                        daemon=True)
        self._thread.start()

    def cancel(self, wait_s: float = 0.0) -> None:
        """Ask the walk to stop after its current slice; wait up to `wait_s` for it."""
        self._stop.set()
        if wait_s and self._thread is not None:
            self._thread.join(wait_s)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            state = self._services.audit.verify_in_steps(
                self._services.location, progress=self._progress,
                cancelled=self._stop.is_set)
        except Exception as error:  # said in the window, never lost on this thread
            if not self._stop.is_set():
                self.failed.emit(error)
            return
        if not self._stop.is_set():
            self.finished.emit(state)

    def _progress(self, state: ChainState) -> None:
        now = monotonic()
        if now - self._last_progress >= PROGRESS_EVERY_S and not self._stop.is_set():
            self._last_progress = now
            self.progressed.emit(state)
