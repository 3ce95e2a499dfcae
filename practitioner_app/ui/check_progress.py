"""The window File ▸ Check database shows while the checks run on the worker thread:
which check runs, how far it is, and a Cancel button that stops it.

The checks report through a `CheckProgress` on the worker thread; `report` (its
callback) only emits a signal, which Qt delivers on the GUI thread. Cancel asks the run
to stop; the window stays, saying so, until the check has stopped and its report (which
says "cancelled") arrives.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from ..services.check_runner import CheckProgress, CheckStatus

#: The bar's steps for a check that says how far it is.
_STEPS = 1000


class CheckProgressDialog(QProgressDialog):
    """Shown at once, window-modal; `progress` is the run it shows and stops.
    `reported(CheckStatus)` carries each status from the worker thread to the window."""

    reported = Signal(object)

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__("Starting the check…", "&Cancel", 0, 0, parent)
        self.setWindowTitle("Checking the clinic database")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setMinimumWidth(420)
        self.reported.connect(self.show_status)
        self.progress = CheckProgress(self.reported.emit)
        self.canceled.disconnect()  # QProgressDialog would hide itself at once
        self.canceled.connect(self.cancel_check)
        # Quitting waits for the worker thread: a check still running stops at once.
        QApplication.instance().aboutToQuit.connect(self.progress.cancel)
        #: The status shown.
        self.status: CheckStatus | None = None
        self._finished = False

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt override
        # QProgressDialog shows itself, from its own timer or from setValue before it
        # has "shown once"; a finished check's window must never come back over the
        # report (seen once on a loaded machine, as a progress window left open).
        if visible and self._finished:
            return
        super().setVisible(visible)

    def show_status(self, status: CheckStatus) -> None:
        if self.progress.cancelled:
            return
        self.status = status
        self.setLabelText(status.text())
        fraction = status.fraction
        if fraction is None:
            self.setRange(0, 0)  # busy: SQLite's integrity check cannot say how far
        else:
            self.setRange(0, _STEPS)
            self.setValue(round(fraction * _STEPS))

    def cancel_check(self) -> None:
        """Stop the check; the window says so until its report arrives."""
        self.progress.cancel()
        self.setLabelText("Cancelling the check…")
        self.setRange(0, 0)

    def finish(self) -> None:
        self.progress.cancel()  # nothing left to stop; no status shown after this
        QApplication.instance().aboutToQuit.disconnect(self.progress.cancel)
        self._finished = True
        self.close()
        self.deleteLater()
