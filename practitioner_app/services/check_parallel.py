"""The checks of a large clinic run in several processes at once, one per processor.

Recomputing every signed digest and every audit hash is Python's work, which one process
does on one processor however many the machine has; SQLite's own integrity check is a
third of the run on a file. Here the checks become tasks (the signed sessions and the
audit chain each in parts, by id ranges: each part is verified on its own, and the parts'
verdicts put together are the whole walk's, see `record_checks`), and the workers (a
thread of this process, which starts at once, and one more process per processor) each
take the next task as they finish one, longest first. The report is assembled in the
checks' own order, exactly as the one-process run (`backup.run_checks`) gives it.

Only worth it for a large clinic: starting a process costs about half a second of
imports, so a database of fewer than PARALLEL_FROM rows to verify runs in one process as
before. (A packaged app's helper processes start its own executable: `app.main` lets
them through with `multiprocessing.freeze_support()`.)

Each worker reads through its own read-only connection. That changes nothing of what a
check can see: in the one-process run too each statement reads the database as it is
when it runs (a file's statements each, a server's read-committed transaction), and the
app may append while a check runs; the checks are written to allow for that.

Cancelling stops the workers at once (they only read) and reports the run cancelled.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .check_runner import CheckProgress

#: Rows to verify (signed sessions and audit entries, by their highest ids) from which the
#: checks run in several processes.
PARALLEL_FROM = 100_000
#: Most worker processes, whatever the machine: the file or server is read by all.
MOST_WORKERS = 4
#: How often the coordinator looks at cancelling and at its workers being alive.
_TICK_S = 0.1
#: How many parts the two long checks are cut into per worker (so that the workers
#: finish together: the last task taken is short).
_PARTS_PER_WORKER = 2

#: Checks that may run in parts, by name: each takes `after` and `upto` ids. The audit
#: chain's parts report at most one problem each; the first part's is the walk's.
SPLIT = {"signed sessions": ("treatment_sessions", False),
         "audit trail": ("audit_log", True)}


def workers() -> int:
    """Worker processes for this machine: one per processor (at most MOST_WORKERS)."""
    return max(1, min(os.cpu_count() or 1, MOST_WORKERS))


@dataclass(frozen=True, slots=True)
class Task:
    """The check named `name` (number `check` in the run's list), over ids above `after`
    up to `upto` for a check in parts; `weight` orders the tasks (longest first) and the
    progress."""

    number: int
    check: int
    name: str
    after: int = 0
    upto: int | None = None
    weight: int = 1


@dataclass
class Outcome:
    """What came back for each task: its problems, or why it could not run."""

    problems: dict[int, tuple[str, ...]] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    #: The run was cancelled before every task came back.
    cancelled: bool = False


def rows_to_verify(con) -> int:
    """Signed sessions and audit entries, counted by their highest ids (no scan)."""
    total = 0
    for table in ("treatment_sessions", "audit_log"):
        try:
            total += con.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
        except Exception:  # noqa: BLE001 - no such table: nothing to verify there
            _rollback(con)
    return total


def plan(con, names: Sequence[str], processes: int) -> list[Task]:
    """The tasks of the checks named `names` (in their order), longest first (so that
    the workers finish together: the last tasks taken are short)."""
    tasks: list[Task] = []
    for index, name in enumerate(names):
        if name in SPLIT:
            table, _first_only = SPLIT[name]
            highest = _highest(con, table)
            for after, upto in _ranges(con, table, highest, processes * _PARTS_PER_WORKER):
                rows = (highest if upto is None else upto) - after
                tasks.append(Task(0, index, name, after, upto, rows * _COST_PER_ROW[name]))
        else:
            tasks.append(Task(0, index, name, weight=_whole_cost(con, name)))
    tasks.sort(key=lambda t: -t.weight)
    return [Task(n, t.check, t.name, t.after, t.upto, t.weight) for n, t in enumerate(tasks)]


#: About how long each row takes to verify, in microseconds (measured on a ten-year demo
#: clinic): only the order of the tasks and the progress shown depend on these.
_COST_PER_ROW = {"signed sessions": 105, "audit trail": 5}


def _whole_cost(con, name: str) -> int:
    """About how long a check run whole takes, in microseconds: SQLite's integrity check
    reads the whole file (about 260 bytes a microsecond); the ties about 10 per
    session."""
    if name == "integrity":
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        size = con.execute("PRAGMA page_size").fetchone()[0]
        return pages * size // 260
    if name == "audit ties":
        return 10 * _highest(con, "treatment_sessions")
    return 1000


def _highest(con, table: str) -> int:
    return con.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0


def _ranges(con, table: str, highest: int, parts: int) -> list[tuple[int, int | None]]:
    """`parts` id ranges (after, upto] covering the table up to its `highest` id, each
    ending at an existing row (so the part after it starts just after a row it can
    read); the last open."""
    bounds = []
    for n in range(1, parts):
        row = con.execute(f"SELECT max(id) FROM {table} WHERE id <= ?",
                          (highest * n // parts,)).fetchone()
        if row[0] and (not bounds or row[0] > bounds[-1]):
            bounds.append(row[0])
    starts = [0, *bounds]
    return list(zip(starts, [*bounds, None], strict=True))


def run(tasks: list[Task], opener: tuple, checks_of: str, progress: CheckProgress,
        processes: int) -> Outcome:
    """Run `tasks` in `processes` workers, each opening the database with `opener` (see
    `_open`) and taking its checks from the list `checks_of` names: this process (a
    thread of it, which starts at once: everything is imported already) and
    `processes - 1` others. Cancelling `progress` stops them: the outcome then holds what
    came back before, and says so."""
    context = multiprocessing.get_context("spawn")  # the windows' threads forbid fork
    todo, done = context.Queue(), context.Queue()
    for task in tasks:
        todo.put(task)
    here = _Here(opener, checks_of, todo, done)
    others = [context.Process(target=_work, args=(opener, checks_of, todo, done),
                              daemon=True, name="practitioner-app check")
              for _ in range(min(processes, len(tasks)) - 1)]
    for _ in range(len(others) + 1):
        todo.put(None)  # one stop sign each, after the tasks
    for worker in others:
        worker.start()
    here.start()
    workers_ = [here, *others]
    outcome = Outcome()
    share = {t.number: 0.0 for t in tasks}
    weights = {t.number: t.weight for t in tasks}
    whole = sum(weights.values()) or 1
    names = {t.number: t.name for t in tasks}
    running: dict[int, str] = {}
    try:
        while len(outcome.problems) + len(outcome.failed) < len(tasks):
            if progress.cancelled:
                outcome.cancelled = True
                return outcome
            try:
                kind, number, value = done.get(timeout=_TICK_S)
            except queue.Empty:
                if not any(w.is_alive() for w in workers_):
                    for t in tasks:  # a worker was killed: what it held did not run
                        if t.number not in outcome.problems:
                            outcome.failed.setdefault(
                                t.number, "the checking process stopped before it finished")
                continue
            if kind == "start":
                running[number] = names[number]
            elif kind == "step":
                share[number] = value
            elif kind == "done":
                running.pop(number, None)
                share[number] = 1.0
                outcome.problems[number] = tuple(value)
            else:
                running.pop(number, None)
                share[number] = 1.0
                outcome.failed[number] = value
            progress.together(sorted(set(running.values())),
                              sum(share[n] * weights[n] for n in share) / whole)
        return outcome
    finally:
        here.cancel()  # done, or its statement interrupted when cancelled
        for worker in others:
            if worker.is_alive():
                worker.terminate()  # they only read: nothing is left half done
        for worker in workers_:
            worker.join(timeout=5)
        todo.cancel_join_thread()
        done.cancel_join_thread()


class _Here:
    """This process as one of the workers: a thread taking tasks like the others. Unlike
    them it cannot be terminated: `cancel` stops its task (its statement interrupted,
    see `_work`) and it takes no other."""

    def __init__(self, opener: tuple, checks_of: str, todo, done) -> None:
        self.stopped = threading.Event()
        self.progress: CheckProgress | None = None
        self._thread = threading.Thread(target=_work, args=(opener, checks_of, todo, done,
                                                            self),
                                        name="practitioner-app check", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.stopped.set()
        if self.progress is not None:
            self.progress.cancel()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def assemble(tasks: list[Task], outcome: Outcome, names: Sequence[str]
             ) -> list[tuple[str, tuple[str, ...] | None]]:
    """Each check's problems from its tasks' (in the checks' order, parts by id), as
    the one-process run gives them: a part that could not run says so for its check;
    None for a check not every part of which came back (a cancelled run)."""
    results: list[tuple[str, tuple[str, ...] | None]] = []
    for index, name in enumerate(names):
        parts = sorted((t for t in tasks if t.check == index), key=lambda t: t.after)
        failed = [outcome.failed[t.number] for t in parts if t.number in outcome.failed]
        if failed:
            results.append((name, (failed[0],)))
            continue
        if any(t.number not in outcome.problems for t in parts):
            results.append((name, None))
            continue
        found = [outcome.problems[t.number] for t in parts]
        if SPLIT.get(name, (None, False))[1]:  # the first part's break is the walk's
            results.append((name, next((p for p in found if p), ())))
        else:
            results.append((name, tuple(p for part in found for p in part)))
    return results


# -- in each worker ----------------------------------------------------------------------------

def _work(opener: tuple, checks_of: str, todo, done, here: _Here | None = None) -> None:
    """A worker: open the database, then run tasks until the stop sign (or, in this
    process, until stopped)."""
    if here is None:  # Ctrl+C at a terminal reaches every process: the coordinator decides
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    checks = _checks(checks_of)
    with _open(opener) as con:
        stop = here.stopped.is_set if here is not None else (lambda: False)
        if opener[0] == "file":  # SQLite asks between steps: even its own check stops
            con.set_progress_handler(stop, 10_000)
        while not stop() and (task := todo.get()) is not None:
            done.put(("start", task.number, None))
            progress = CheckProgress(_Reporter(done, task), interval=0.25)
            if here is not None:
                here.progress = progress
                if opener[0] == "server":
                    progress.on_cancel(con._raw.cancel)
                if stop():
                    break
            progress.begin(task.name, 1, 1)
            check = checks.get(task.name)
            if check is None:  # a list this process does not have: said, never skipped
                done.put(("failed", task.number, "could not be run: unknown check"))
                continue
            try:
                if task.name in SPLIT:
                    problems = check.run(con, progress, task.after, task.upto)
                else:
                    problems = check(con, progress)
            except Exception as error:  # noqa: BLE001 - said in the report, as run_checks does
                _rollback(con)
                done.put(("failed", task.number,
                          f"could not be run: {' '.join(str(error).split())}"))
                continue
            done.put(("done", task.number, list(problems)))


class _Reporter:
    """A worker's CheckProgress report: the task's share done, sent to the coordinator."""

    def __init__(self, done, task: Task) -> None:
        self._done, self._task = done, task

    def __call__(self, status) -> None:
        if status.total is None or status.total <= self._task.after:
            return
        span = status.total - self._task.after
        self._done.put(("step", self._task.number,
                        min(max(status.done - self._task.after, 0) / span, 1.0)))


def _checks(checks_of: str) -> dict:
    """The checks of the list `checks_of` names, by name."""
    if checks_of == "server":
        from .server_backup import SERVER_CHECKS as checks
    else:
        from .backup import CHECKS as checks
    return {check.name: check for check in checks}


def _open(opener: tuple):
    """("file", path) or ("server", url): a read-only connection as the one-process run
    opens it."""
    if opener[0] == "file":
        from ..persistence.sqlite_checks import connect

        return connect(opener[1], "ro")
    from ..persistence.server_tools import server_check_connection

    return server_check_connection(opener[1])


def _rollback(con) -> None:
    rollback: Callable | None = getattr(getattr(con, "_raw", None), "rollback", None)
    if rollback is not None:
        rollback()
