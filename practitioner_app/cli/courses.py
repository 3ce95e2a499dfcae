"""Courses due and lot recall."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import EXIT_FAILURE, EXIT_OK, _fail, _one_line, _subparser, _write_stdout


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
    from ..services.courses import recall_csv

    rows = services.courses.recall(args.lot, args.product)
    text = recall_csv(rows)
    if args.output:
        from ..services.files import StorageError, write_file

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
