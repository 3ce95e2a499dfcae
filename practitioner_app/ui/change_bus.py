"""One notice of what changed, for every view of a main window.

The services' change feed calls back on whichever thread committed (the GUI thread for a
save made here, a worker thread for one made in the background) or on its listener thread
(another workstation's save). `ChangeBus` turns those calls into its `changed(Changes)`
signal, always emitted on the GUI thread: a call made on the GUI thread is passed on at
once, so a view is up to date when the save that changed it returns; a call from another
thread is queued, and calls that arrive before the GUI thread gets to them are merged
into one notice. Views connect to `changed` and decide for themselves whether to redraw.

`connection_changed(str)` carries the server connection's state (a ConnectionState
value: "connected", "lost", "back"); a file's feed never emits it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ..domain.changes import Changes, ConnectionState

if TYPE_CHECKING:
    from ..services.container import Services


class ChangeBus(QObject):
    changed = Signal(object)  # Changes
    connection_changed = Signal(str)  # a ConnectionState value

    #: From any thread to the GUI thread (queued when emitted from another thread).
    _arrived = Signal()
    _state_arrived = Signal(str)

    def __init__(self, services: Services, parent: QObject | None = None,
                 held: bool = False) -> None:
        super().__init__(parent)
        self._feed = services.changes
        self._held = held
        self._lock = threading.Lock()
        self._pending: Changes | None = None
        self._gui_thread = threading.get_ident()  # made on the GUI thread, like its window
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._state_arrived.connect(self._deliver_state, Qt.ConnectionType.QueuedConnection)
        self._feed.subscribe(self._receive)
        self._feed.subscribe_state(self._receive_state)

    @property
    def state(self) -> ConnectionState:
        return self._feed.state

    @property
    def is_held(self) -> bool:
        return self._held

    def announce(self, changes: Changes) -> None:
        """Tell the views on this window of `changes` (from the GUI thread)."""
        self._receive(changes)

    def hold(self) -> None:
        """Pass nothing on until `resume` (nobody is signed in: nothing is shown, and
        nothing is read to be shown)."""
        self._held = True

    def resume(self) -> None:
        """Pass notices on again, beginning with "everything": the views read what
        they show as it is now, whatever was missed while held."""
        self._held = False
        self.announce(Changes.all())

    def detach(self) -> None:
        """Hear nothing more (the window is closing)."""
        self._feed.unsubscribe(self._receive)
        self._feed.unsubscribe_state(self._receive_state)

    # -- any thread ---------------------------------------------------------------------------
    def _receive(self, changes: Changes) -> None:
        with self._lock:
            first = self._pending is None
            self._pending = changes if first else self._pending.merge(changes)
        if threading.get_ident() == self._gui_thread:
            self._deliver()  # a save made here: its views are current when it returns
        elif first:  # later calls merge into the notice already on its way
            try:
                self._arrived.emit()
            except RuntimeError:  # the window was deleted while a notice was on its way
                self.detach()

    def _receive_state(self, state: ConnectionState) -> None:
        if threading.get_ident() == self._gui_thread:
            self._deliver_state(state.value)
            return
        try:
            self._state_arrived.emit(state.value)
        except RuntimeError:
            self.detach()

    # -- the GUI thread -------------------------------------------------------------------
    @Slot()
    def _deliver(self) -> None:
        with self._lock:
            changes, self._pending = self._pending, None
        if changes and not self._held:  # held: `resume` reads everything anyway
            self.changed.emit(changes)

    @Slot(str)
    def _deliver_state(self, state: str) -> None:
        self.connection_changed.emit(state)
