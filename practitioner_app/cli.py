"""The command-line face: argparse over the same services the windows use. Never Qt.

Every command exits 0 on success; bad input prints what is wrong on stderr and exits
non-zero without writing anything. Handlers only parse, call one service and print.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .paths import DB_ENV, DB_FILENAME, database_location, database_path

EXIT_OK, EXIT_USAGE, EXIT_INVALID, EXIT_NOT_FOUND = 0, 2, 3, 4
#: Sign-in refused (wrong user or password, no --user) or not permitted for the account.
EXIT_DENIED = 5
PASSWORD_ENV = "PRACTITIONER_APP_PASSWORD"
DEMO_USER = "demo"
#: The database could not be opened, or a file could not be read or written.
EXIT_FAILURE = 1

#: Rows fetched per query when listing patients; keeps every IN (...) well under
#: SQLite's limit on bound parameters whatever the size of the clinic.
LIST_BATCH = 500

_DEFAULT_DB = "{default_db}"  # filled in only when help is shown, see _HelpFormatter
_COMMON_EPILOG = f"""\
database:
  The file given by --db, else ${DB_ENV}, else {DB_FILENAME} in your
  user data folder, which here is:
    {_DEFAULT_DB}
  It is created and brought up to date automatically; before any upgrade an existing
  database is backed up to backups/ beside it.

exit status:
  0  success
  1  the database could not be opened (damaged, in use by the app, read-only, disk
     full), a check found a problem, or a file could not be read or written
  2  usage error: unknown command, missing or malformed argument
  3  invalid input: the document or value breaks a rule; nothing was written
  4  not found: no patient with that number, or no file to import
  5  sign-in refused or not permitted: give --user and the right password"""


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps prose paragraphs to the terminal but keeps "heading:" blocks (examples, exit
    statuses) line for line; resolves the default database path only when help is
    printed, so an ordinary start-up does not pay for it."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap  # here, like getpass and secrets: the windows never need them

        text = text.replace(_DEFAULT_DB, str(database_path()))
        return "\n\n".join(
            "\n".join(indent + line for line in block.splitlines())
            if block.split("\n", 1)[0].endswith(":")
            else textwrap.fill(" ".join(block.split()), width, initial_indent=indent,
                               subsequent_indent=indent)
            for block in text.split("\n\n"))


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
    from .domain.errors import DomainError, NotFound, PermissionDenied
    from .domain.location import LocationError
    from .services.backup import StorageError

    try:
        location = database_location(args.db)
    except LocationError as error:
        return _fail(EXIT_USAGE, str(error))
    services = _open_database(location, args)  # see "database safety" below
    if isinstance(services, int):
        return services
    services.actor.fallback = "command line"
    try:
        # Checking the audit trail needs no account: it shows no patient data, and a
        # sign-in would add to the trail it checks.
        refused = _sign_in(services, args) if getattr(args, "signs_in", True) else None
        if refused is not None:
            return refused
        return handler(services, args)
    except NotFound as error:
        return _fail(EXIT_NOT_FOUND, str(error))
    except PermissionDenied as error:
        return _fail(EXIT_DENIED, str(error))
    except StorageError as error:  # disk full, read-only, damaged, in use: not bad input
        return _fail(EXIT_FAILURE, str(error))
    except DomainError as error:
        return _fail(EXIT_INVALID, str(error))
    except BrokenPipeError:
        # The reader went away (`... | head`). Point stdout at devnull so the interpreter's
        # final flush does not raise a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    finally:
        services.close()


def _sign_in(services, args) -> int | None:
    """Act as `--user`, who must give their password; None when that worked or no
    account applies (a database nobody has signed up to yet), else the exit status."""
    from .domain.errors import SignInRefused

    if not services.accounts.has_accounts():
        return None
    if not args.user:
        return _fail(EXIT_DENIED, "this database has practitioner accounts: name yours with "
                                  f"--user NAME (the password is asked for, or read from "
                                  f"${PASSWORD_ENV})")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            return _fail(EXIT_DENIED, f"no password given: set ${PASSWORD_ENV} or run the "
                                      "command in a terminal")
        import getpass

        password = getpass.getpass(f"Password for {args.user}: ")
    try:
        services.accounts.sign_in(args.user, password)
    except SignInRefused as error:
        return _fail(EXIT_DENIED, str(error))
    return None


def _fail(status: int, message: str) -> int:
    print(f"practitioner-app: error: {message}", file=sys.stderr)
    return status


def _subparser(commands, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    return commands.add_parser(
        name, help=summary, description=description, epilog=_COMMON_EPILOG,
        formatter_class=_HelpFormatter)


# --- demo -------------------------------------------------------------------------------


def _whole_number(text: str, highest: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if not 1 <= value <= highest:
        raise argparse.ArgumentTypeError(f"must be from 1 to {highest}; got {value}")
    return value


def _positive(text: str) -> int:
    return _whole_number(text, 1_000_000)


def _sessions_per_patient(text: str) -> int:
    return _whole_number(text, 50)


def _add_demo(commands) -> None:
    demo = _subparser(
        commands, "demo", "add synthetic demo patients and sessions",
        "Add synthetic patients, each with 1-8 treatment sessions 4-6 weeks apart (or M "
        "on average with --sessions-per-patient M), for "
        "demonstrations, training and load tests: a believable clinic. Names come in "
        "many scripts (accented Latin, Greek, Cyrillic, Chinese, Japanese, Korean, "
        "Arabic) and rarely repeat; every device type and facial zone is used, with "
        "depths inside each zone's typical range. Each patient has a treatment consent on "
        "the current consent text (most a photo consent too) and courses (the latest "
        "open while they still come, so the due list fills); past sessions are signed by "
        "their practitioner, a few with an addendum, a few left as drafts or awaiting "
        "signature; a few patients are archived. Every record gets the audit entries the "
        "app writes. A database without clinic details gets a demo letterhead; one with "
        "accounts gets an account for each demo practitioner (the password is printed). "
        "Patient numbers continue after the highest existing P-number, so nothing is "
        "overwritten, and everything is written in one transaction. The same seed on the "
        "same day gives the same records. Demo records say 'Demo record' in their "
        "assessment: use a separate database (--db) rather than the clinic's.\n\n"
        "example:\n  practitioner-app --db demo.sqlite3 demo --patients 200 --seed 7")
    demo.add_argument("--patients", type=_positive, required=True, metavar="N",
                      help="how many patients to add (1-1000000)")
    demo.add_argument("--sessions-per-patient", type=_sessions_per_patient, metavar="M",
                      help="average sessions per patient, 1-50 (each patient gets 1 to "
                           "2M-1); default: 1-8 sessions, 5.1 on average")
    demo.add_argument("--seed", type=int, default=0, metavar="S",
                      help="random seed; the same seed gives the same records (default 0)")
    demo.set_defaults(handler=_demo, writes=True)


def _demo(services, args) -> int:
    if not services.accounts.has_accounts():
        import secrets

        password = secrets.token_urlsafe(12)
        services.accounts.create_first_admin(
            DEMO_USER, "Demo Practitioner", "Demo account", "", password)
        print(f"Created the demo account: user {DEMO_USER}, password {password}")
    result = services.demo.generate(args.patients, args.seed, args.sessions_per_patient)
    print(f"Added {result.patients:,} patients ({result.first_number}-{result.last_number}) "
          f"with {result.sessions:,} sessions and {result.zones:,} treated zones "
          f"in {result.seconds:.1f} s.")
    print(f"Signed {result.signed:,} sessions ({result.addenda:,} with an addendum); "
          f"{result.courses:,} courses ({result.open_courses:,} open); "
          f"{result.consents:,} consents; {result.archived:,} patients archived.")
    if result.accounts:
        print(f"Created the demo practitioners' accounts: {', '.join(result.accounts)}; "
              f"password {result.password}")
    return EXIT_OK


# --- export / import --------------------------------------------------------------------


def _add_export(commands) -> None:
    export = _subparser(
        commands, "export", "write a record as a JSON document",
        "Write a record as a versioned JSON document (UTF-8), for transfer to another "
        "practitioner-app database or for the patient's own copy.")
    kinds = export.add_subparsers(dest="kind", metavar="KIND", title="kinds", required=True)
    patient = _subparser(
        kinds, "patient", "one patient with every session",
        "Write the patient with NUMBER and every treatment session, oldest first, with "
        "every step and treated zone, as one JSON document (format "
        "'practitioner-app.patient', version 1). Database ids and the export time are "
        "left out, so exporting the same record twice gives the same bytes.\n\n"
        "example:\n  practitioner-app export patient P000123 -o P000123.json")
    patient.add_argument("number", metavar="NUMBER", help="the patient number, e.g. P000123")
    patient.add_argument("-o", "--output", metavar="FILE",
                         help="write to FILE (replaced if it exists); default: standard output")
    patient.set_defaults(handler=_export_patient)


def _export_patient(services, args) -> int:
    from .services.exchange import dumps

    text = dumps(services.exchange.export_document(args.number))
    if args.output in (None, "-"):
        _write_stdout(text)
        return EXIT_OK
    from .services.files import StorageError, write_file

    try:  # the app's one writer: owner-only, never half a document over a good one
        write_file(Path(args.output), text)  # \n kept: the bytes match the document
    except StorageError as error:
        # The export is recorded already (export_document): record that it never left.
        services.audit.not_written(None, Path(args.output), error, patient_id=services.
                                   patients.get_by_number(args.number).id)
        return _fail(EXIT_FAILURE, f"cannot write {args.output}: {error}")
    print(f"Exported patient {args.number} to {args.output}.", file=sys.stderr)
    return EXIT_OK


def _write_stdout(text: str) -> None:
    """`text` as UTF-8 whatever the console's encoding, as the export format promises."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def _add_import(commands) -> None:
    imp = _subparser(
        commands, "import", "add a patient from an exported JSON document",
        "Add the patient and every session in FILE, a document written by 'export "
        "patient'. It is checked with the same rules as the app's windows; if anything "
        "is wrong, every problem is listed on standard error with its JSON path (e.g. "
        "$.sessions[2].needling.zones[0].depth_mm) and nothing is written. Warnings "
        "(e.g. a depth above the clinic's warning level) are listed but do not stop the "
        "import. A patient number already in this database is refused. Signed sessions "
        "are imported by an administrator only (others exit 5); each prints as an "
        "imported signature, naming the file, the time and the administrator.\n\n"
        "example:\n  practitioner-app --db other.sqlite3 import P000123.json")
    imp.add_argument("file", metavar="FILE", help="the JSON document, or - for standard input")
    imp.set_defaults(handler=_import, writes=True)


def _import(services, args) -> int:
    from .services.exchange import InvalidDocument, parse_json
    from .services.files import is_live_database_file

    if args.file != "-" and is_live_database_file(Path(args.file)):
        # Reading it would also release SQLite's locks on it (POSIX locks are per process).
        return _fail(EXIT_INVALID, f"{args.file} is a file of the clinic database itself, "
                                   "not an exported document; nothing was imported")
    try:
        text = _read_input(args.file)
    except FileNotFoundError:
        return _fail(EXIT_NOT_FOUND, f"no file {args.file}")
    except OSError as error:
        return _fail(EXIT_FAILURE, f"cannot read {args.file}: {error.strerror}")
    except UnicodeDecodeError as error:
        return _fail(EXIT_INVALID, f"{args.file} is not UTF-8 text ({error.reason} at byte "
                                   f"{error.start}); nothing was imported")
    try:
        origin = "standard input" if args.file == "-" else f"file {Path(args.file).name}"
        result = services.exchange.import_document(parse_json(text), source=origin)
    except InvalidDocument as invalid:
        _print_problems(invalid.problems + invalid.warnings)
        source = "standard input" if args.file == "-" else args.file
        return _fail(EXIT_INVALID, f"{len(invalid.problems)} problem(s) in {source}; "
                                   "nothing was imported")
    _print_problems(result.warnings)
    print(f"Imported patient {result.patient.number} ({result.patient.full_name}) "
          f"with {result.sessions} session(s).")
    return EXIT_OK


def _read_input(name: str) -> str:
    data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    return data.decode("utf-8-sig")  # tolerate a byte-order mark some editors add


def _print_problems(problems) -> None:
    for problem in problems:
        print(f"{problem.severity.value}: {problem.path}: {problem.message}", file=sys.stderr)


# --- listings ---------------------------------------------------------------------------


def _add_patients(commands) -> None:
    patients = _subparser(commands, "patients", "list patients", "Find patients.")
    actions = patients.add_subparsers(dest="action", metavar="ACTION", title="actions",
                                      required=True)
    listing = _subparser(
        actions, "list", "list patients, optionally matching a query",
        "Print one tab-separated line per patient (patient number, full name, date of "
        "birth), sorted by name, after a header line. QUERY keeps only patients whose "
        "name or number contains every word of it; case and accents are ignored, so "
        "'lukasz' finds 'Łukasz'.\n\n"
        "example:\n  practitioner-app patients list nowak")
    listing.add_argument("query", metavar="QUERY", nargs="?", default="",
                         help="words to look for in names and numbers, at most 200 "
                              "characters (default: all)")
    listing.set_defaults(handler=_patients_list)


def _patients_list(services, args) -> int:
    from .domain.errors import Problem, ValidationError
    from .domain.patient import search_too_long

    if too_long := search_too_long(args.query):  # answered by run() with exit status 3
        raise ValidationError([Problem("QUERY", too_long)])
    ids = services.patients.search(args.query)
    if not ids:
        print("No patients found.", file=sys.stderr)
        return EXIT_OK
    print("NUMBER\tNAME\tDATE OF BIRTH")
    for start in range(0, len(ids), LIST_BATCH):
        for row in services.patients.rows(ids[start:start + LIST_BATCH]):
            print(f"{row.number}\t{_one_line(row.full_name)}\t{row.date_of_birth.isoformat()}")
    return EXIT_OK


def _one_line(text: str) -> str:
    """Tabs and newlines in a name would break the one-record-per-line output."""
    return " ".join(text.split())


def _add_sessions(commands) -> None:
    sessions = _subparser(commands, "sessions", "list a patient's sessions",
                          "Find treatment sessions.")
    actions = sessions.add_subparsers(dest="action", metavar="ACTION", title="actions",
                                      required=True)
    listing = _subparser(
        actions, "list", "list one patient's sessions, newest first",
        "Print one tab-separated line per session of the patient with NUMBER, newest "
        "first, after a header line: session id, date, status (draft or completed), "
        "device type, number of treated zones, deepest needle depth in mm ('-' when not "
        "recorded).\n\n"
        "example:\n  practitioner-app sessions list P000123")
    listing.add_argument("number", metavar="NUMBER", help="the patient number, e.g. P000123")
    listing.set_defaults(handler=_sessions_list)


def _sessions_list(services, args) -> int:
    patient = services.patients.get_by_number(args.number)
    print("ID\tDATE\tSTATUS\tDEVICE\tZONES\tDEEPEST MM")
    for row in services.sessions.rows_for_patient(patient.id):
        device = row.device_type.value if row.device_type else "-"
        deepest = "-" if row.deepest_mm is None else f"{row.deepest_mm:g}"
        print(f"{row.id}\t{row.session_date.isoformat()}\t{row.status.value}\t{device}\t"
              f"{row.zone_count}\t{deepest}")
    return EXIT_OK


# --- documents --------------------------------------------------------------------------


def _add_report(commands) -> None:
    report = _subparser(
        commands, "report", "write a printable PDF document",
        "Write one of the printable documents as a PDF file: the treatment report of a "
        "session, the summary of a patient's whole series, or the aftercare sheet of a "
        "session. Find session ids with 'sessions list NUMBER'. Nothing is written when "
        "the session or patient does not exist.")
    kinds = report.add_subparsers(dest="kind", metavar="KIND", title="documents",
                                  required=True)
    for kind, summary, target, example in (
        ("session", "treatment report of one session", "SESSION_ID", "42"),
        ("patient", "summary of a patient's sessions", "NUMBER", "P000123"),
        ("aftercare", "aftercare sheet of one session", "SESSION_ID", "42"),
    ):
        parser = _subparser(
            kinds, kind, summary,
            f"Write the {summary} as a PDF file.\n\n"
            f"example:\n  practitioner-app report {kind} {example} -o {kind}-{example}.pdf")
        parser.add_argument("target", metavar=target,
                            type=_session_id if target == "SESSION_ID" else str,
                            help="the session id" if target == "SESSION_ID"
                            else "the patient number, e.g. P000123")
        parser.add_argument("-o", "--output", metavar="FILE.pdf", required=True,
                            help="the PDF file to write (replaced if it exists)")
        parser.set_defaults(handler=_report)


def _session_id(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a session id (a whole number); got {text!r}")
    return int(text)


def _report(services, args) -> int:
    reports = services.reports
    if args.kind == "patient":
        pdf = reports.patient_summary(services.patients.get_by_number(args.target).id)
    elif args.kind == "session":
        pdf = reports.session_report(args.target)
    else:
        pdf = reports.aftercare_sheet(args.target)
    from .domain.audit import Action

    ids = ({"patient_id": services.patients.get_by_number(args.target).id}
           if args.kind == "patient" else
           {"session_id": args.target,
            "patient_id": services.sessions.get(args.target).patient_id})
    # Recorded first, then written whole or not at all; a failed write is recorded too
    # and exits 1 (StorageError).
    target = services.audit.write_out(Path(args.output), pdf, Action.REPORT_SAVED,
                                      document=args.kind, **ids)
    print(f"Wrote {target} ({len(pdf):,} bytes).", file=sys.stderr)
    return EXIT_OK


# --- database safety: start-up check, one writer, backup / restore / check ---------------


class _BareDatabase:
    """What backup, restore and check get instead of services: they must work on a
    database that services could not open (damaged, not a database)."""

    def __init__(self, location, lock) -> None:
        from types import SimpleNamespace

        from .paths import backups_dir
        from .services.backup import BackupService

        self.location = location
        self.database_path = location.path
        if location.is_server:
            from .services.container import server_backups_dir
            from .services.server_backup import ServerBackupService

            self.backup = ServerBackupService(location, server_backups_dir(location))
        else:
            self.backup = BackupService(location.path, backups_dir(location.path))
        self._lock = lock
        # run() names the actor and signs in; these commands work on the file itself,
        # which may be too damaged to read accounts from, so nobody signs in for them.
        self.actor = SimpleNamespace(fallback="command line")
        self.accounts = SimpleNamespace(has_accounts=lambda: False)

    def close(self) -> None:
        self.backup.close()
        if self._lock is not None:
            self._lock.release()


def _open_database(location, args: argparse.Namespace):
    """Services (or a _BareDatabase) for the command in `args`, or the exit status after
    saying why the database cannot be used.

    On a file, writing commands (`writes`) first take the database's lock, so they never
    write while the app has it open, and commands that open services first run the cheap
    start-up check (`PRAGMA quick_check`): a damaged file, or one that is not a database,
    is reported with the newest good backup and never worked on or overwritten. A server
    database is shared by design: the server keeps concurrent writers apart.
    """
    from .persistence.migrator import MigrationError
    from .services.backup import DatabaseLock, StorageError, assess
    from .services.container import open_services

    if location.is_server:
        try:
            if not getattr(args, "opens_services", True):
                return _BareDatabase(location, None)
            return open_services(location)
        except (StorageError, MigrationError) as error:
            return _fail(EXIT_FAILURE, f"cannot open the database {location.shown}: {error}")
    path = location.path
    lock = None
    try:
        if getattr(args, "writes", False):
            lock = DatabaseLock(path).acquire()
        if not getattr(args, "opens_services", True):
            return _BareDatabase(location, lock)
        found = assess(path)
        if not found.usable:
            raise _Unusable(f"cannot open the database {path}: {_damage_report(found)}")
        return open_services(path, lock=lock)
    except _Unusable as unusable:
        message = str(unusable)
    except StorageError as error:
        message = str(error)
    except (OSError, sqlite3.DatabaseError, MigrationError) as error:
        message = f"cannot open the database {path}: {error}"
    if lock is not None:
        lock.release()
    return _fail(EXIT_FAILURE, message)


class _Unusable(Exception):
    pass


def _damage_report(found) -> str:
    """What is wrong with the database and, when a backup is the remedy, which one."""
    from .paths import backups_dir
    from .services.backup import BackupService

    message = found.message()
    if not found.can_restore:
        return message
    folder = backups_dir(found.path)
    good = BackupService(found.path, folder).newest_good_backup()
    if good is None:
        return f"{message} No good backup was found in {folder}."
    return (f"{message}\nThe newest good backup is {good.path} "
            f"(made {good.made:%Y-%m-%d %H:%M}). To restore it (the current file is kept "
            f"aside, not overwritten):\n  practitioner-app --db {found.path} restore {good.path}")


def _add_backup(commands) -> None:
    backup = _subparser(
        commands, "backup", "back up the database now",
        "Copy the database with SQLite's online backup API (safe while the app is open) "
        "and check the copy with PRAGMA integrity_check. Without -o the copy goes into the "
        "backups folder beside the database, named backup-<UTC time>.sqlite3, and the "
        "retention ladder is applied to the automatic backups there (the last 10, one a "
        "day for 7 days, one a week for 4 weeks, one a month for 12 months). The app "
        "also backs up by itself: when it closes and every 30 minutes while records "
        "change. Every backup is recorded in the audit trail before it is written: with "
        "-o (every record leaves the app) under --user, which a database with accounts "
        "requires; into the backups folder under --user if given, else as "
        f"'{BACKUP_ACTOR}', so a scheduled backup needs no password.\n\n"
        "example:\n  practitioner-app --user jroe backup -o /media/usb/clinic-2026-11-24.sqlite3")
    backup.add_argument("-o", "--output", metavar="FILE",
                        help="write the backup to FILE, which must not exist yet")
    backup.set_defaults(handler=_backup, opens_services=False)


def _backup(services, args) -> int:
    from .services.backup import State

    found = services.backup.assess()
    if found.state is State.NEW:
        return _fail(EXIT_NOT_FOUND, f"there is no database at {found.path} to back up")
    if not found.usable:
        return _fail(EXIT_FAILURE, _damage_report(found))
    target = Path(args.output) if args.output else None
    exists = f"{target} already exists; a backup never replaces a file, so choose another name"
    if target is not None and target.exists():
        return _fail(EXIT_FAILURE, exists)
    recorder = _backup_recorder(services.location, args, target)
    if isinstance(recorder, int):
        return recorder
    from .domain.audit import Action
    from .services.backup import StorageError

    try:
        # Recorded first, so the copy holds its own entry and no copy goes unrecorded; a
        # copy that then fails is recorded as not written.
        entry = recorder.audit.log(Action.BACKED_UP, **(
            {"path": str(target.absolute())} if target is not None
            else {"to": str(services.backup.backups_dir.absolute())}))
        try:
            written = services.backup.back_up(target)
        except (FileExistsError, StorageError) as error:
            recorder.audit.not_written(entry, target, error)
            if isinstance(error, FileExistsError):
                return _fail(EXIT_FAILURE, exists)
            raise
    finally:
        recorder.close()
    checked = ("pg_restore --list: ok" if services.location.is_server
               else "integrity check: ok")
    print(f"Backed up {services.location.shown} to {written} "
          f"({written.stat().st_size:,} bytes); {checked}.")
    return EXIT_OK


#: Who a backup into the backups folder without --user is recorded as (a scheduled task).
BACKUP_ACTOR = "system (backup command)"


def _backup_recorder(path, args, target: Path | None):
    """Services that record the backup in the audit trail, or the exit status.

    With --user, as that practitioner (signed in). Without it, on a database with
    accounts: a copy into the backups folder (what a scheduled task makes) is recorded as
    BACKUP_ACTOR, and a copy elsewhere (-o: every record leaves the app) is refused."""
    from .services.container import open_services

    recorder = open_services(path)
    recorder.actor.fallback = "command line"
    refused = None
    if not args.user and recorder.accounts.has_accounts():
        if target is None:
            recorder.actor.fallback = BACKUP_ACTOR
            return recorder
        refused = _fail(EXIT_DENIED, "backup -o copies every record out of the app, so it "
                                     "is recorded under your name: give --user NAME (the "
                                     f"password is asked for, or read from ${PASSWORD_ENV})")
    else:
        refused = _sign_in(recorder, args)
    if refused is not None:
        recorder.close()
        return refused
    return recorder


def _add_restore(commands) -> None:
    restore = _subparser(
        commands, "restore", "replace the database with a backup",
        "Replace the database with the backup FILE. FILE is checked first (PRAGMA "
        "integrity_check, and it must be a practitioner-app database of this version or an "
        "older one, which is then upgraded). The current database is backed up to "
        "backups/before-restore-<UTC time>.sqlite3 before it is replaced; when it is "
        "damaged or not a database it is moved to backups/damaged-<UTC time>.sqlite3 "
        "untouched instead. Refused while the app has the database open. List the "
        "backups with 'ls' in the backups folder beside the database.\n\n"
        "example:\n  practitioner-app restore backups/backup-20261124-093000-000000Z.sqlite3")
    restore.add_argument("file", metavar="FILE", help="the backup to restore")
    restore.set_defaults(handler=_restore, opens_services=False, writes=True)


def _restore(services, args) -> int:
    source = Path(args.file)
    if not source.is_file():
        return _fail(EXIT_NOT_FOUND, f"no file {source}")
    refused = (None if services.location.is_server  # only into an empty database
               else _restore_permission(services.database_path, args))
    if refused is not None:
        return refused
    result = services.backup.restore(source)
    print(f"Restored {services.location.shown} from {source} "
          f"(made {result.made:%Y-%m-%d %H:%M}).")
    if result.migrated_from:
        print(f"The backup was upgraded from schema {result.migrated_from}.")
    if result.safety_copy:
        print(f"The database as it was before is kept in {result.safety_copy}.")
    if result.set_aside:
        print(f"The file that was there before is kept, untouched, in {result.set_aside}.")
    return EXIT_OK


def _restore_permission(path: Path, args) -> int | None:
    """A restore replaces every record and the audit trail: on a sound database that has
    accounts it needs an administrator. A damaged database cannot say who its
    administrators are, so restoring it (the way out) stays open to anyone at the machine."""
    from .services.backup import assess
    from .services.container import open_services

    if not assess(path).usable:
        return None
    services = open_services(path)
    try:
        refused = _sign_in(services, args)
        if refused is not None:
            return refused
        user = services.accounts.current_user
        if user is not None and not user.is_admin:
            return _fail(EXIT_DENIED, "only an administrator may restore a sound database")
        return None
    finally:
        services.close()


def _add_check(commands) -> None:
    check = _subparser(
        commands, "check", "check the database for damage",
        "Check the whole database without changing it: SQLite's PRAGMA integrity_check, "
        "the foreign-key check (every session belongs to a patient, every zone row to a "
        "session), and that it is a practitioner-app database this version can open. "
        "Prints one line per check and every problem found; exits 1 when there is any.\n\n"
        "example:\n  practitioner-app check")
    check.set_defaults(handler=_check, opens_services=False)


def _check(services, args) -> int:
    report = services.backup.check()
    for line in report.lines():
        print(line)
    if report.ok:
        print(f"No problems found in {report.database}.")
        return EXIT_OK
    found = sum(len(r.problems) for r in report.results)
    return _fail(EXIT_FAILURE, f"{found} problem(s) found in {report.database}. {report.remedy}")


# --- audit -----------------------------------------------------------------------------


def _add_audit(commands) -> None:
    audit = _subparser(
        commands, "audit", "check and anchor the audit trail",
        "The audit trail records who did what and when, each entry chained to the one "
        "before by its hash. These actions only read it: they need no --user (if given, "
        "it is not used) and add nothing to the trail. An anchor (an entry's number and "
        "hash, kept away from the computer) lets you check later that the trail was not "
        "cut short or rewritten since: 'audit anchor' prints one to keep, 'audit verify "
        "--expect' checks it.")
    actions = audit.add_subparsers(dest="action", metavar="ACTION", title="actions",
                                   required=True)
    verify = _subparser(
        actions, "verify", "check that no audit entry was altered, inserted or removed",
        "Walk the hash chain of the audit trail. Exits 0 and prints the number of entries "
        "and the newest entry as ID:HASH, or exits 1 naming the first entry that was "
        "altered, inserted or removed. With --expect, the trail must also still hold that "
        "entry with that hash, which catches a trail cut short or rewritten (with every "
        "hash recomputed) after the anchor was taken.\n\n"
        "examples:\n  practitioner-app audit verify\n"
        "  practitioner-app audit verify --expect 1234:9f86d081884c7d65...")
    verify.add_argument("--expect", metavar="ID:HASH", type=_anchor,
                        help="an anchor: an entry number and its 64-character hash (or "
                             "the hash alone), as 'audit head' or 'audit anchor' printed")
    verify.set_defaults(handler=_audit_verify, signs_in=False)
    head = _subparser(
        actions, "head", "print the newest audit entry as ID:HASH",
        "Print the newest audit entry as ID:HASH on standard output (when and by whom it "
        "was recorded on standard error). Adds nothing, so the same trail prints the same "
        "line. Exits 1 while the trail is empty.\n\n"
        "example:\n  practitioner-app audit head")
    head.set_defaults(handler=_audit_head, signs_in=False)
    anchor = _subparser(
        actions, "anchor", "write an anchor sheet to print or keep",
        "Write the audit anchor sheet: the clinic, the database, the newest entry's "
        "number and hash, and the command that checks them later. Plain text, or a "
        "one-page PDF on the clinic's letterhead when FILE ends in .pdf. Keep it away from "
        "the computer (printed, or on another device).\n\n"
        "examples:\n  practitioner-app audit anchor\n"
        "  practitioner-app audit anchor -o /media/usb/audit-anchor-2026-12-03.pdf")
    anchor.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE (replaced if it exists); default: standard "
                             "output")
    anchor.set_defaults(handler=_audit_anchor, signs_in=False)


def _anchor(text: str):
    from .domain.audit import ANCHOR_FORM, parse_anchor

    try:
        return parse_anchor(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"must be {ANCHOR_FORM}; {error}") from None


def _audit_verify(services, args) -> int:
    count, problem = services.audit.verify(args.expect)
    if problem is not None:
        return _fail(EXIT_FAILURE, f"the audit trail does not hold: {problem}")
    head = services.audit.head()
    newest = f"{head.id}:{head.hash}" if head else "none"
    held = f"; it still holds the anchored entry {args.expect}" if args.expect else ""
    print(f"The audit trail holds: {count:,} entries; newest {newest}{held}.")
    return EXIT_OK


def _audit_head(services, args) -> int:
    head = services.audit.head()
    if head is None:
        return _fail(EXIT_FAILURE, "the audit trail is empty: there is nothing to anchor yet")
    print(f"{head.id}:{head.hash}")
    print(f"Entry {head.id}, recorded {head.at:%Y-%m-%d %H:%M:%S} by {head.username} "
          f"({head.action}).", file=sys.stderr)
    return EXIT_OK


def _audit_anchor(services, args) -> int:
    clinic = services.clinic.profile()
    anchor = services.audit.anchor(services.location, clinic)
    if anchor is None:
        return _fail(EXIT_FAILURE, "the audit trail is empty: there is nothing to anchor yet")
    if args.output in (None, "-"):
        _write_stdout(anchor.text())
        return EXIT_OK
    from .services.files import write_file

    target = Path(args.output)
    data = (services.audit.anchor_pdf(anchor, clinic) if target.suffix.lower() == ".pdf"
            else anchor.text().encode("utf-8"))
    write_file(target, data)  # whole or not at all; StorageError exits 1
    print(f"Wrote the audit anchor of entry {anchor.anchor.entry_id} to {target}.",
          file=sys.stderr)
    return EXIT_OK


# --- courses: recall and due ------------------------------------------------------------


def _add_recall(commands) -> None:
    recall = _subparser(
        commands, "recall", "find every patient who received a lot",
        "Find every session that used LOT as serum, numbing agent or cartridge, with the "
        "patient's contact details, oldest first. Prints CSV (a header row, then one row a "
        "use) to standard output or to FILE.\n\n"
        "example:\n  practitioner-app --user jroe recall --lot HA-5520 -o recall.csv")
    recall.add_argument("--lot", required=True, metavar="LOT", help="the lot number, exactly")
    recall.add_argument("--product", metavar="NAME",
                        help="only uses whose product name contains NAME (any case)")
    recall.add_argument("-o", "--output", metavar="FILE.csv",
                        help="write the CSV to FILE (replaced if it exists)")
    recall.set_defaults(handler=_recall)


def _recall(services, args) -> int:
    from .services.courses import recall_csv

    rows = services.courses.recall(args.lot, args.product)
    text = recall_csv(rows)
    if args.output:
        from .services.files import StorageError, write_file

        try:  # the app's one writer: owner-only, never a truncated CSV over a good one
            write_file(Path(args.output), text)
        except StorageError as error:
            return _fail(EXIT_FAILURE, f"cannot write {args.output}: {error}")
        print(f"{len(rows)} use(s) of lot {args.lot} written to {args.output}.",
              file=sys.stderr)
    else:
        _write_stdout(text)
    return EXIT_OK


def _add_due(commands) -> None:
    due = _subparser(
        commands, "due", "list patients due for their next session",
        "List the patients whose next session in an open course is due within DAYS days, "
        "or overdue, soonest first: tab-separated number, name, phone, course, sessions "
        "done of planned, last session, due date.\n\n"
        "example:\n  practitioner-app --user jroe due --within 14")
    due.add_argument("--within", type=int, default=7, metavar="DAYS",
                     help="days ahead to look (default 7; 0 = due today or overdue)")
    due.set_defaults(handler=_due)


def _due(services, args) -> int:
    rows = services.courses.due(args.within)
    print("NUMBER\tNAME\tPHONE\tCOURSE\tDONE\tLAST\tDUE")
    for r in rows:
        print(f"{r.number}\t{_one_line(r.full_name)}\t{r.phone}\t{r.course_number}\t"
              f"{r.sessions_done}/{r.planned_sessions}\t{r.last_session.isoformat()}\t"
              f"{r.due_on.isoformat()}")
    return EXIT_OK
