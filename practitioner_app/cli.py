"""The command-line face: argparse over the same services the windows use. Never Qt.

Every command exits 0 on success; bad input prints what is wrong on stderr and exits
non-zero without writing anything. Handlers only parse, call one service and print.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .paths import DB_ENV, DB_FILENAME, database_path

EXIT_OK, EXIT_USAGE, EXIT_INVALID, EXIT_NOT_FOUND = 0, 2, 3, 4
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
  1  the database could not be opened, or a file could not be read or written
  2  usage error: unknown command, missing or malformed argument
  3  invalid input: the document or value breaks a rule; nothing was written
  4  not found: no patient with that number, or no file to import"""


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps prose paragraphs to the terminal but keeps "heading:" blocks (examples, exit
    statuses) line for line; resolves the default database path only when help is
    printed, so an ordinary start-up does not pay for it."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
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
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    _add_demo(commands)
    _add_export(commands)
    _add_import(commands)
    _add_patients(commands)
    _add_sessions(commands)
    _add_report(commands)
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def run(args: argparse.Namespace) -> int:
    """Carry out a parsed command; returns the exit status."""
    handler: Callable | None = getattr(args, "handler", None)
    if handler is None:
        return _fail(EXIT_USAGE, f"unknown command {args.command!r}")
    from .domain.errors import DomainError, NotFound
    from .persistence.migrator import MigrationError
    from .services.container import open_services

    path = database_path(args.db)
    try:
        services = open_services(path)
    except (OSError, sqlite3.DatabaseError, MigrationError) as error:
        return _fail(EXIT_FAILURE, f"cannot open the database {path}: {error}")
    try:
        return handler(services, args)
    except NotFound as error:
        return _fail(EXIT_NOT_FOUND, str(error))
    except DomainError as error:
        return _fail(EXIT_INVALID, str(error))
    except BrokenPipeError:
        # The reader went away (`... | head`). Point stdout at devnull so the interpreter's
        # final flush does not raise a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    finally:
        services.close()


def _fail(status: int, message: str) -> int:
    print(f"practitioner-app: error: {message}", file=sys.stderr)
    return status


def _subparser(commands, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    return commands.add_parser(
        name, help=summary, description=description, epilog=_COMMON_EPILOG,
        formatter_class=_HelpFormatter)


# --- demo -------------------------------------------------------------------------------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be from 1 to 1000000; got {value}")
    return value


def _add_demo(commands) -> None:
    demo = _subparser(
        commands, "demo", "add synthetic demo patients and sessions",
        "Add synthetic patients, each with 1-8 treatment sessions 4-6 weeks apart, for "
        "demonstrations, training and load tests. Names come in several scripts (accented "
        "Latin, Greek, Cyrillic); every device type and facial zone is used, with depths "
        "inside each zone's typical range; a few latest sessions are left as drafts. "
        "Patient numbers continue after the highest existing P-number, so nothing is "
        "overwritten, and everything is written in one transaction. The same seed on the "
        "same day gives the same records. Demo records say 'Demo record' in their "
        "assessment: use a separate database (--db) rather than the clinic's.\n\n"
        "example:\n  practitioner-app --db demo.sqlite3 demo --patients 200 --seed 7")
    demo.add_argument("--patients", type=_positive, required=True, metavar="N",
                      help="how many patients to add (1-1000000)")
    demo.add_argument("--seed", type=int, default=0, metavar="S",
                      help="random seed; the same seed gives the same records (default 0)")
    demo.set_defaults(handler=_demo)


def _demo(services, args) -> int:
    result = services.demo.generate(args.patients, args.seed)
    print(f"Added {result.patients:,} patients ({result.first_number}-{result.last_number}) "
          f"with {result.sessions:,} sessions and {result.zones:,} treated zones "
          f"in {result.seconds:.1f} s.")
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
    try:
        # newline="" keeps \n on every platform, so the file's bytes match the document.
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as error:
        return _fail(EXIT_FAILURE, f"cannot write {args.output}: {error.strerror}")
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
        "import. A patient number already in this database is refused.\n\n"
        "example:\n  practitioner-app --db other.sqlite3 import P000123.json")
    imp.add_argument("file", metavar="FILE", help="the JSON document, or - for standard input")
    imp.set_defaults(handler=_import)


def _import(services, args) -> int:
    from .services.exchange import InvalidDocument, parse_json

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
        result = services.exchange.import_document(parse_json(text))
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
                         help="words to look for in names and numbers (default: all)")
    listing.set_defaults(handler=_patients_list)


def _patients_list(services, args) -> int:
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
    target = Path(args.output)
    partial = target.with_name(target.name + ".part")
    try:
        # Written beside the target and renamed, so a failure never leaves half a PDF.
        partial.write_bytes(pdf)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        return _fail(EXIT_FAILURE, f"cannot write {target}: {error.strerror}")
    print(f"Wrote {target} ({len(pdf):,} bytes).", file=sys.stderr)
    return EXIT_OK
