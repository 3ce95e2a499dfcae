"""The one place that wires everything: paths, database, services, windows.

Nothing happens at import time. `main(argv, exec_=False)` builds the app without entering
the event loop and returns the main window, so tests drive the real window.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from . import cli
from .paths import database_path


def main(argv: Sequence[str] | None = None, exec_: bool = True):
    """Run the command given in `argv`, or open the windows when there is none."""
    args = cli.parse(sys.argv[1:] if argv is None else argv)
    if args.command is not None:
        return cli.run(args)
    from .ui.application import start

    return start(database_path(args.db), exec_=exec_)
