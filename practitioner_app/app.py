"""The one place that wires everything: paths, database, services, windows.

Nothing happens at import time. `main(argv, exec_=False)` builds the app without entering
the event loop and returns the main window, so tests drive the real window.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import cli
from .paths import database_location


def configure_logging(db_path: Path) -> None:
    """Log warnings and errors to `practitioner-app.log` beside the database, so a fault
    at a clinic can be diagnosed. Records never hold patient values (the engine hides SQL
    parameters)."""
    from .paths import log_path
    from .persistence.private_files import PRIVATE_FILE, private_folder

    try:  # both owner-only from the start, like everything else in the data folder
        private_folder(db_path.parent)
        os.close(os.open(log_path(db_path), os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                         PRIVATE_FILE))
        handler = logging.FileHandler(log_path(db_path), encoding="utf-8")
    except OSError:  # a read-only data folder: the app says so itself (ui/startup.py)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def load_before_qt() -> None:
    """Import the plain-Python modules the window needs before it shows, ahead of PySide6:
    once PySide6 is loaded, its import hook reads and scans the source of every module
    imported after it (to see whether it asks for one of PySide's `__feature__`s), which
    cost about 15 ms for these (the opener, the file's lock, the change notices, the
    library check, and the standard library's socket and ctypes they use)."""
    from .domain import changes, ids  # noqa: F401
    from .services import opening  # noqa: F401
    from .ui import qt_libraries  # noqa: F401


def main(argv: Sequence[str] | None = None, exec_: bool = True):
    """Run the command given in `argv`, or open the windows when there is none.

    Returns the exit status once everything is done: a window's closing backup runs
    after the window is gone, and the event loop (then this function) ends only once it
    is finished and the database let go (ui/data_safety.py)."""
    if getattr(sys, "frozen", False):  # packaged: the check's helper processes start it too
        import multiprocessing

        multiprocessing.freeze_support()
    args = cli.parse(sys.argv[1:] if argv is None else argv)
    closing = sys.modules.get("practitioner_app.ui.data_safety")
    if closing is not None:  # a window of this process closed: its backup lets go first
        closing.wait_for_closing()
    if args.command is not None:
        return cli.run(args)
    from .domain.location import LocationError

    try:
        location = database_location(args.db)
    except LocationError as error:
        print(f"practitioner-app: {error}", file=sys.stderr)
        return cli.EXIT_USAGE
    if location.is_server:
        # The first question to the server is asked on a thread while Qt loads.
        from .services.opening import BackgroundFirstLook

        look = BackgroundFirstLook(location)
        load_before_qt()
        from .ui.application import start

        if exec_:  # the log goes into the app's own data folder (no file to sit beside)
            from .paths import default_data_folder

            configure_logging(default_data_folder() / location.name)
        return start(location, exec_=exec_, first_look=look.result)
    # The start-up check (PRAGMA quick_check, ~0.4 s on 10,000 patients) reads the file on
    # a thread from now on; ui/startup.py collects its answer on a worker thread, before
    # it imports SQLAlchemy and opens the database, while the window asks who is there.
    from .persistence.assessment import BackgroundAssessment

    assessment = BackgroundAssessment(location.path)
    load_before_qt()
    from .ui.application import start

    db_path = location.path
    if exec_:  # a real run; tests keep pytest's own log capture
        configure_logging(db_path)
    return start(db_path, exec_=exec_, assessment=assessment.result,
                 first_look=assessment.has_accounts)
