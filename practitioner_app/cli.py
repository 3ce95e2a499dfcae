"""The command-line face: argparse over the same services the windows use. Never Qt.

Every command exits 0 on success; bad input prints what is wrong on stderr and exits
non-zero without writing anything.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .paths import DB_ENV

EXIT_OK, EXIT_USAGE, EXIT_INVALID, EXIT_NOT_FOUND = 0, 2, 3, 4


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="practitioner-app",
        description=(
            "Treatment records for microneedling clinics. With no command, opens the "
            "app's windows."),
        epilog=(
            f"The database is the file given by --db, else ${DB_ENV}, else "
            "practitioner.sqlite3 in your user data folder. It is created and brought up "
            "to date automatically."),
    )
    parser.add_argument("--db", metavar="PATH", help="the SQLite database file to use")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def run(args: argparse.Namespace) -> int:
    """Carry out a parsed command; returns the exit status."""
    print(f"unknown command {args.command!r}", file=sys.stderr)
    return EXIT_USAGE
