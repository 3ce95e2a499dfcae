"""Commands on patients and their sessions: demo, export, import, patients, sessions, report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (
    DEMO_USER,
    EXIT_FAILURE,
    EXIT_INVALID,
    EXIT_NOT_FOUND,
    EXIT_OK,
    LIST_BATCH,
    _fail,
    _one_line,
    _positive,
    _sessions_per_patient,
    _subparser,
    _write_stdout,
)


def _add_demo(commands) -> None:
    demo = _subparser(
        commands, "demo", "add synthetic demo patients and sessions",
        "Add synthetic patients, registered over the past ten years, each with 1-8 "
        "treatment sessions (or M on average with --sessions-per-patient M): a planned "
        "course 4-6 weeks apart, then maintenance visits months apart; for "
        "demonstrations, training and load tests: a believable clinic. Names come in "
        "many scripts (accented Latin, Greek, Cyrillic, Chinese, Japanese, Korean, "
        "Arabic) and rarely repeat; every device type and facial zone is used, with "
        "depths inside each zone's typical range. Each patient has a treatment consent on "
        "the current consent text (most a photo consent too) and courses (the latest "
        "open while they still come, so the due list fills); past sessions are signed by "
        "their practitioner, a few with an addendum, a few left as drafts or awaiting "
        "signature; a few patients are archived. Every record gets the audit entries "
        "ten years of use write (sign-ins, saves, signatures, printed documents...). A "
        "database without clinic details gets a demo letterhead; one with "
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
    administrator = None
    if not services.accounts.has_accounts():
        import secrets

        # Created by the demo, as the first entry of the clinic's history (when it
        # opened), so that the audit trail's times rise with its entries.
        password = secrets.token_urlsafe(12)
        administrator = (DEMO_USER, "Demo Practitioner", "Demo account", password)
    result = services.demo.generate(args.patients, args.seed, args.sessions_per_patient,
                                    administrator=administrator)
    if administrator is not None:
        print(f"Created the demo account: user {DEMO_USER}, password {administrator[3]}")
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
    from ..services.exchange import dumps

    text = dumps(services.exchange.export_document(args.number))
    if args.output in (None, "-"):
        _write_stdout(text)
        return EXIT_OK
    from ..services.files import StorageError, write_file

    try:  # the app's one writer: owner-only, never half a document over a good one
        write_file(Path(args.output), text)  # \n kept: the bytes match the document
    except StorageError as error:
        # The export is recorded already (export_document): record that it never left.
        services.audit.not_written(None, Path(args.output), error, patient_id=services.
                                   patients.get_by_number(args.number).id)
        return _fail(EXIT_FAILURE, f"cannot write {args.output}: {error}")
    print(f"Exported patient {args.number} to {args.output}.", file=sys.stderr)
    return EXIT_OK


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
    from ..services.exchange import InvalidDocument, parse_json
    from ..services.files import is_live_database_file

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
    from ..domain.errors import Problem, ValidationError
    from ..domain.patient import search_too_long

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
    from ..domain.audit import Action

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


