"""How far a database check is, and the way to stop it.

A `CheckProgress` travels with one run of the checks: the runner says which check starts
(`begin`), each check says how much it has to read (`total`) and how far it is (`step`),
and anyone may `cancel` it from any thread. The check then stops at its next `step`
(raising `CheckCancelled`), and a statement the database is still running is stopped by
the hooks the runner registered (`on_cancel`): SQLite's progress handler, the server's
cancel request. A cancelled run is reported as cancelled, never as sound.

What is reported goes to `report(CheckStatus)`, at most every `interval` seconds (and at
each check's start), on the thread that runs the checks: the windows pass a Qt signal's
`emit`, the command line a function that writes to its terminal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class CheckCancelled(Exception):
    """The check was asked to stop before it finished."""


@dataclass(frozen=True, slots=True)
class CheckStatus:
    """Which check runs (`number` of `count`, named `check`) and how far it is: `done`
    of `total` rows (`total` None while the check cannot say, e.g. SQLite's own
    integrity check)."""

    check: str
    number: int
    count: int
    done: int = 0
    total: int | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(self.done / self.total, 1.0)

    def text(self) -> str:
        """"Check 5 of 7: signed sessions, 45 %" (without the share when unknown); for
        checks running at once (`count` 0), "Checking: audit trail, signed sessions,
        45 %"."""
        share = "" if self.fraction is None else f", {self.fraction:.0%}"
        if self.count == 0:
            return f"Checking: {self.check or 'every check'}{share}"
        return f"Check {self.number} of {self.count}: {self.check}{share}"


class CheckProgress:
    """One run's progress and its cancel switch. `cancel()` is safe from any thread;
    everything else is called by the thread running the checks."""

    def __init__(self, report: Callable[[CheckStatus], None] | None = None, *,
                 interval: float = 0.1) -> None:
        self._report = report
        self._interval = interval
        self._cancelled = threading.Event()
        self._hooks: list[Callable[[], object]] = []
        self._lock = threading.Lock()
        self._last = 0.0
        self.status = CheckStatus("", 0, 0)

    # -- stopping ---------------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Ask the run to stop: the check running stops at its next step, and a database
        statement in progress is interrupted."""
        with self._lock:
            self._cancelled.set()
            hooks = list(self._hooks)
        for hook in hooks:
            try:
                hook()
            except Exception:  # noqa: BLE001 - stopping a statement is best effort
                pass  # the check still stops at its next step

    def on_cancel(self, hook: Callable[[], object]) -> Callable[[], None]:
        """Call `hook` when the run is cancelled (at once if it already is); returns a
        function that removes it (the connection it stops is about to close)."""
        with self._lock:
            self._hooks.append(hook)
        if self.cancelled:
            hook()

        def remove() -> None:
            with self._lock:
                if hook in self._hooks:
                    self._hooks.remove(hook)
        return remove

    def check_cancelled(self) -> None:
        """Raise CheckCancelled when the run was cancelled."""
        if self._cancelled.is_set():
            raise CheckCancelled(self.status.check)

    # -- reporting --------------------------------------------------------------------
    def begin(self, check: str, number: int, count: int) -> None:
        """Check `number` of `count` starts (said at once)."""
        self.check_cancelled()
        self.status = CheckStatus(check, number, count)
        self._send(force=True)

    def total(self, total: int | None) -> None:
        """How many rows the running check reads (None: it cannot say)."""
        self.status = CheckStatus(self.status.check, self.status.number, self.status.count,
                                  self.status.done, total)
        self._send(force=True)

    def step(self, done: int) -> None:
        """The running check has read `done` rows; raises CheckCancelled when the run
        was cancelled."""
        self.check_cancelled()
        self.status = CheckStatus(self.status.check, self.status.number, self.status.count,
                                  done, self.status.total)
        self._send()

    def together(self, running: list[str], fraction: float) -> None:
        """Checks running at once (services/check_parallel.py): those running now, and
        the share of the whole run done."""
        self.status = CheckStatus(", ".join(running), 0, 0, round(fraction * 1000), 1000)
        self._send()

    def _send(self, force: bool = False) -> None:
        if self._report is None:
            return
        now = time.monotonic()
        if force or now - self._last >= self._interval:
            self._last = now
            self._report(self.status)


#: For callers that want neither progress nor a way to stop (the transfer's checks).
def no_progress() -> CheckProgress:
    return CheckProgress()
