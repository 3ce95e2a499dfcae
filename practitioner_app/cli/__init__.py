"""The command-line face: argparse over the same services the windows use. Never Qt.

Every command exits 0 on success; bad input prints what is wrong on stderr and exits
non-zero without writing anything. Handlers only parse, call one service and print.
The commands live in modules by what they work on: records (demo, export, import,
patients, sessions, report), database (backup, restore, check, transfer), audit, and
courses (recall, due); `common` holds what they share.
"""

from __future__ import annotations

__all__ = [
    "BACKUP_ACTOR", "DEMO_USER", "EXIT_DENIED", "EXIT_FAILURE", "EXIT_INVALID",
    "EXIT_NOT_FOUND", "EXIT_OK", "EXIT_USAGE", "LIST_BATCH", "PASSWORD_ENV", "build_parser",
    "parse", "run",
]

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from ..paths import database_location
from .audit import _add_audit
from .common import (
    _COMMON_EPILOG,
    BACKUP_ACTOR,
    DEMO_USER,
    EXIT_DENIED,
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    LIST_BATCH,
    PASSWORD_ENV,
    _fail,
    _HelpFormatter,
    _sign_in,
)
from .courses import _add_due, _add_recall
from .database import (
    _add_backup,
    _add_check,
    _add_connect,
    _add_restore,
    _add_transfer,
    _open_database,
)
from .records import _add_demo, _add_export, _add_import, _add_patients, _add_report, _add_sessions


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="practitioner-app",
        description=(
            "Treatment records for microneedling clinics. With no command, opens the "
            "app's windows; with a command, does that one job and exits."),
        epilog=_COMMON_EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--db", metavar="PATH", help="the SQLite database file to use")
    parser.add_argument(
        "--user", metavar="NAME",
        help=f"act as this practitioner account (needed once the database has accounts); "
             f"the password is asked for, or read from ${PASSWORD_ENV}")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    _add_demo(commands)
    _add_export(commands)
    _add_import(commands)
    _add_patients(commands)
    _add_sessions(commands)
    _add_report(commands)
    _add_audit(commands)
    _add_recall(commands)
    _add_due(commands)
    _add_backup(commands)
    _add_restore(commands)
    _add_check(commands)
    _add_transfer(commands)
    _add_connect(commands)
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The parsed arguments; `command` is None when the windows are to open."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if window_only := _window_arguments(argv):
        return window_only
    return build_parser().parse_args(argv)


def _window_arguments(argv: list[str]) -> argparse.Namespace | None:
    """`[]`, `--db PATH` and `--db=PATH` open the windows: answered without building the
    parser of every command (a start-up cost of ~15 ms); anything else goes to argparse."""
    if not argv:
        return argparse.Namespace(db=None, user=None, command=None)
    if len(argv) == 2 and argv[0] == "--db" and not argv[1].startswith("-"):
        return argparse.Namespace(db=argv[1], user=None, command=None)
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > len("--db="):
        return argparse.Namespace(db=argv[0][len("--db="):], user=None, command=None)
    return None


def run(args: argparse.Namespace) -> int:
    """Carry out a parsed command; returns the exit status."""
    handler: Callable | None = getattr(args, "handler", None)
    if handler is None:
        return _fail(EXIT_USAGE, f"unknown command {args.command!r}")
    from ..domain.errors import DatabaseDamaged, DomainError, NotFound, PermissionDenied
    from ..domain.location import LocationError
    from ..services.backup import StorageError

    if not getattr(args, "needs_database", True):  # e.g. connect: chooses the database
        return handler(None, args)
    try:
        location = database_location(args.db)
    except LocationError as error:
        return _fail(EXIT_USAGE, str(error))
    services = _open_database(location, args)  # see "database safety" below
    if isinstance(services, int):
        return services
    # Backup, restore and check work on the database itself (it may be too damaged to
    # read accounts from), so nobody signs in to it; they ask for accounts themselves.
    records = getattr(args, "opens_services", True)
    if records:
        services.actor.fallback = "command line"
    try:
        # Checking the audit trail needs no account: it shows no patient data, and a
        # sign-in would add to the trail it checks.
        signs_in = records and getattr(args, "signs_in", True)
        refused = _sign_in(services, args) if signs_in else None
        if refused is not None:
            return refused
        return handler(services, args)
    except NotFound as error:
        return _fail(EXIT_NOT_FOUND, str(error))
    except PermissionDenied as error:
        return _fail(EXIT_DENIED, str(error))
    except DatabaseDamaged as error:
        if location.is_server:
            return _fail(EXIT_FAILURE, str(error))
        # A command that only reads makes no quick_check first: a damaged page it reads
        # is said as the start-up check says it, with the backup that mends it.
        from ..services.opening import damaged
        from .database import _damage_report

        return _fail(EXIT_FAILURE, f"cannot read the database {location.shown}: "
                                   f"{_damage_report(damaged(location.path, error))}")
    except StorageError as error:  # disk full, read-only, damaged, in use: not bad input
        return _fail(EXIT_FAILURE, str(error))
    except DomainError as error:
        return _fail(EXIT_INVALID, str(error))
    except BrokenPipeError:
        # The reader went away (`... | head`). Point stdout at devnull so the interpreter's
        # final flush does not raise a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except Exception as error:  # a fault of ours or the database's: said, never a traceback
        first_line = (str(error).strip().splitlines() or [""])[0]
        return _fail(EXIT_FAILURE, f"the {args.command} command did not complete; nothing "
                                   f"was half-saved ({type(error).__name__}: {first_line})")
    finally:
        services.close()


