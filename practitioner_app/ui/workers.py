"""The one helper for work that must not freeze the window (long PDFs, exports).

`run_in_background(fn, on_done, on_error)` runs `fn()` on a worker thread, one task at a
time; the callbacks run on the GUI thread. Services open their own unit of work per call,
so a service call is safe to make from the worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class BackgroundTask(QObject):
    """Emits `finished(object)` with fn's result, or `failed(object)` with the exception."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as error:  # reported to the GUI thread, never lost in the pool
            self.failed.emit(error)
        else:
            self.finished.emit(result)


class _Runnable(QRunnable):
    def __init__(self, task: BackgroundTask) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task.run()


_running: set[BackgroundTask] = set()  # keeps tasks alive until their signal is delivered
_pool: QThreadPool | None = None


def _serial_pool() -> QThreadPool:
    """One worker thread: tasks run one after another, because ReportLab keeps
    process-wide state and is not safe to run twice at once."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(1)
    return _pool


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[Exception], None]) -> BackgroundTask:
    task = BackgroundTask(fn)
    _running.add(task)
    task.finished.connect(on_done)
    task.failed.connect(on_error)
    task.finished.connect(lambda _r: _running.discard(task))
    task.failed.connect(lambda _e: _running.discard(task))
    _serial_pool().start(_Runnable(task))
    return task


def wait_for_background() -> None:
    """Block until the worker thread has finished every task given to it (used only when
    the app quits, so nothing is cut off half way)."""
    if _pool is not None:
        _pool.waitForDone()
