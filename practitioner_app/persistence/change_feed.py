"""Who hears of a saved change: the views of this app, and on a clinic server the other
workstations too.

One small interface, two implementations, chosen by the database:

- `ChangeFeed` (an SQLite file): one copy of the app holds the file, so a change is heard
  only here; subscribers are called after each commit, on the committing thread.
- `ServerChangeFeed` (PostgreSQL): the committing transaction also sends the change with
  `pg_notify` just before COMMIT. NOTIFY is transactional: the server delivers it only if
  the transaction commits, so no workstation hears of a change that was rolled back. A
  listening connection (autocommit, `LISTEN`) on a daemon thread hears the other
  workstations' notices; it never runs on, or waits for, the GUI thread. Each feed puts a
  random token in its notices and ignores its own: its subscribers were told already, at
  commit. The token is per feed, not per process, so two windows of one process on one
  server database hear each other.

When the listening connection drops (the server stopped, the network down), the feed
says so (`ConnectionState.LOST`), reconnects with a growing pause, says `BACK` once it
listens again and then announces "everything": views read again what they may have missed.

Subscribers may be called on any thread (the committing one, or the listener's); a
subscriber that raises is logged and never undoes or fails the commit, which is done.
"""

from __future__ import annotations

import logging
import secrets
import select
import socket
import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..domain.changes import Changes, ConnectionState

log = logging.getLogger(__name__)

#: The LISTEN/NOTIFY channel (one per server database: NOTIFY stays within a database).
CHANNEL = "practitioner_changes"
#: Seconds the listener waits for a notice before it checks the connection is alive.
PING_S = 5.0
#: Pauses between attempts to reconnect, in seconds (the last repeats).
RECONNECT_PAUSES_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
#: libpq's TCP settings for the listening connection, so a vanished network is noticed
#: in about half a minute rather than when the kernel gives up (Unix sockets ignore them).
_LISTEN_CONNECT = {
    "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10,
    "keepalives_interval": 5, "keepalives_count": 3, "tcp_user_timeout": 20_000,
    "application_name": "practitioner-app changes",
}

Subscriber = Callable[[Changes], None]
StateSubscriber = Callable[[ConnectionState], None]


class ChangeFeed:
    """Tells this process's subscribers what each commit changed (an SQLite file)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []
        self._state_subscribers: list[StateSubscriber] = []
        self._state = ConnectionState.LOCAL

    # -- what the views use -----------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> None:
        """Call `callback(changes)` after each commit that changed something (on the
        committing thread, or the listener's for another workstation's change)."""
        with self._lock:
            if callback not in self._subscribers:
                self._subscribers.append(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def subscribe_state(self, callback: StateSubscriber) -> None:
        """Call `callback(state)` whenever the connection's state changes."""
        with self._lock:
            if callback not in self._state_subscribers:
                self._state_subscribers.append(callback)

    def unsubscribe_state(self, callback: StateSubscriber) -> None:
        with self._lock:
            if callback in self._state_subscribers:
                self._state_subscribers.remove(callback)

    @property
    def state(self) -> ConnectionState:
        return self._state

    def close(self) -> None:
        """Nothing to release for a file: a restored file's database goes on announcing."""

    # -- what the unit of work uses ---------------------------------------------------------
    def before_commit(self, session: Session, changes: Changes) -> None:
        """Inside the transaction, just before COMMIT (nothing to do for a file)."""

    def committed(self, changes: Changes) -> None:
        """The transaction that made `changes` committed: tell this process."""
        self.publish(changes)

    def publish(self, changes: Changes) -> None:
        if changes.is_empty:
            return
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(changes)
            except Exception:  # the change is saved: a view's failure must not say otherwise
                log.exception("A change subscriber failed")

    def _set_state(self, state: ConnectionState) -> None:
        with self._lock:
            if state is self._state:
                return
            self._state = state
            subscribers = list(self._state_subscribers)
        for callback in subscribers:
            try:
                callback(state)
            except Exception:
                log.exception("A connection-state subscriber failed")


class ServerChangeFeed(ChangeFeed):
    """Also sends each change to, and hears changes from, the other workstations on one
    PostgreSQL database. The listener starts with the first subscriber (a command-line
    run that subscribes to nothing opens no second connection, yet its commits notify)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        #: Marks this feed's own notices, which its subscribers heard at commit.
        self.token = secrets.token_hex(8)
        self._state = ConnectionState.CONNECTED
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None
        #: Set while LISTEN is in force (notices committed before it are not heard).
        self.listening = threading.Event()
        #: The listening connection's server process id (tests end it to cut the line).
        self.listener_pid: int | None = None

    def subscribe(self, callback: Subscriber) -> None:
        super().subscribe(callback)
        self._start()

    def subscribe_state(self, callback: StateSubscriber) -> None:
        super().subscribe_state(callback)
        self._start()

    def before_commit(self, session: Session, changes: Changes) -> None:
        session.execute(text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": f"{self.token} {changes.to_json()}"})

    def close(self) -> None:
        """Stop listening and close the listening connection; safe to call twice."""
        if self._stop.is_set():
            return
        self._stop.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread is not None and self._thread is not threading.current_thread():
            # Not long: a thread still waiting for a server that is away (connect_timeout)
            # is a daemon and goes with the process.
            self._thread.join(timeout=1)
        self._wake_w.close()
        self._wake_r.close()

    # -- the listener thread ----------------------------------------------------------------
    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._listen, name="practitioner changes",
                                            daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        import psycopg

        pauses = iter(RECONNECT_PAUSES_S)
        lost = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, **_LISTEN_CONNECT) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listener_pid = conn.info.backend_pid
                    self.listening.set()
                    if lost:  # notices sent while away are gone: read everything again
                        lost = False
                        self._set_state(ConnectionState.BACK)
                        self.publish(Changes.all())
                    else:
                        self._set_state(ConnectionState.CONNECTED)
                    pauses = iter(RECONNECT_PAUSES_S)
                    self._hear(conn)
            except psycopg.Error as error:
                self.listening.clear()
                if self._stop.is_set():
                    break
                if not lost:
                    log.warning("Lost the clinic server's change notices: %s", error)
                    lost = True
                    self._set_state(ConnectionState.LOST)
            except Exception:  # never let the thread die silently: say lost and retry
                self.listening.clear()
                if self._stop.is_set():
                    break
                log.exception("The change listener failed")
                lost = True
                self._set_state(ConnectionState.LOST)
            self._stop.wait(next(pauses, RECONNECT_PAUSES_S[-1]))

    def _hear(self, conn) -> None:
        """Until stopped: wait on the connection's socket (and the wake-up socket), and
        whenever the server has spoken, or has been quiet for PING_S, run a trivial query.
        psycopg hands the notices it reads to the handler, whatever the query; and a
        dead connection raises there instead of waiting for ever."""
        conn.add_notify_handler(lambda notice: self._received(notice.payload))
        sockets = [conn.fileno(), self._wake_r]
        while not self._stop.is_set():
            select.select(sockets, [], [], PING_S)
            if self._stop.is_set():
                return
            conn.execute("SELECT 1")

    def _received(self, payload: str) -> None:
        token, _, body = payload.partition(" ")
        if token == self.token:
            return  # this feed's own commit, told to its subscribers already
        self.publish(Changes.from_json(body))
