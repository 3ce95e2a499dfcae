"""The audit trail's commands: verify, head, anchor, list."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import EXIT_FAILURE, EXIT_OK, _fail, _one_line, _subparser, _write_stdout


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
    listing = _subparser(
        actions, "list", "list audit entries, newest first (administrators)",
        "Print audit entries newest first (by the time recorded), one tab-separated line "
        "each after a header line: number, time, practitioner, action, patient number, "
        "session, details in words. Filters combine. The trail is read a page at a time, "
        "never whole: when more entries match than --limit, the last line on standard "
        "error gives the --before that lists the next ones. Needs an administrator's "
        "--user (signing in is recorded in the trail).\n\n"
        "examples:\n  practitioner-app --user admin audit list --patient P000123\n"
        "  practitioner-app --user admin audit list --by anurse --from 2026-11-01 "
        "--to 2026-11-30\n"
        "  practitioner-app --user admin audit list --action 'Document printed' "
        "--before 81234")
    listing.add_argument("--patient", metavar="NUMBER", help="only entries about this "
                                                              "patient (patient number)")
    listing.add_argument("--by", metavar="USERNAME",
                         help="only entries recorded by this practitioner account")
    listing.add_argument("--action", metavar="LABEL", type=_action_label,
                         help="only entries with this action, as the audit window names "
                              "it (e.g. 'Signed in', 'Document printed'; any case)")
    listing.add_argument("--from", dest="start", metavar="YYYY-MM-DD", type=_day,
                         help="only entries recorded on or after this day")
    listing.add_argument("--to", dest="end", metavar="YYYY-MM-DD", type=_day,
                         help="only entries recorded on or before this day")
    listing.add_argument("--before", metavar="ID", type=_entry_number,
                         help="only entries older than entry ID (to continue a listing)")
    listing.add_argument("--limit", metavar="N", type=_listing_limit, default=50,
                         help=f"print at most N entries (default 50, at most "
                              f"{MAX_LISTED:,})")
    listing.set_defaults(handler=_audit_list)


def _anchor(text: str):
    from ..domain.audit import ANCHOR_FORM, parse_anchor

    try:
        return parse_anchor(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"must be {ANCHOR_FORM}; {error}") from None


#: The most entries one `audit list` prints (it reads them a page at a time anyway).
MAX_LISTED = 1_000_000


def _action_label(text: str) -> str:
    from ..domain.audit_text import ACTION_LABELS, all_labels

    wanted = " ".join(text.split()).casefold()
    labels = list(all_labels())
    for shown in labels:
        if shown.casefold() == wanted:
            return shown
    for action, shown in ACTION_LABELS.items():  # the stored name works too
        if action.casefold() == wanted:
            return shown
    raise argparse.ArgumentTypeError(
        f"no action is called {text!r}; choose one of: " + ", ".join(labels))


def _day(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a date on the calendar as YYYY-MM-DD; got {text!r}") from None


def _entry_number(text: str) -> int:
    from .common import _whole_number

    return _whole_number(text, 2**62)


def _listing_limit(text: str) -> int:
    from .common import _whole_number

    return _whole_number(text, MAX_LISTED)


def _audit_list(services, args) -> int:
    from datetime import datetime, time, timedelta

    from ..domain.audit_listing import AuditFilter
    from ..domain.audit_text import label, readable

    patient_id = (services.patients.get_by_number(args.patient).id if args.patient
                  else None)  # NotFound: exit 4
    wanted = AuditFilter(
        patient_id=patient_id, username=args.by, label=args.action,
        start=datetime.combine(args.start, time.min) if args.start else None,
        end=datetime.combine(args.end + timedelta(days=1), time.min) if args.end else None)
    after = services.audit.cursor_before(args.before) if args.before else None
    printed, last_id = 0, None
    while printed < args.limit:
        page = services.audit.page(wanted, after, limit=min(args.limit - printed, 500))
        if printed == 0:
            if not page.rows:
                print("No audit entries match.", file=sys.stderr)
                return EXIT_OK
            print("ID\tTIME\tUSER\tACTION\tPATIENT\tSESSION\tDETAILS")
        for row in page.rows:
            e = row.entry
            print(f"{e.id}\t{e.at:%Y-%m-%d %H:%M:%S}\t{_one_line(e.username)}\t"
                  f"{label(e.action, e.details)}\t{row.patient_number or ''}\t"
                  f"{e.session_id or ''}\t{_one_line(readable(e.details))}")
        printed += len(page.rows)
        last_id = page.rows[-1].entry.id if page.rows else last_id
        after = page.after
        if after is None:
            return EXIT_OK
    if services.audit.page(wanted, after, limit=1).rows:
        print(f"More entries match: add --before {last_id} to list the next ones.",
              file=sys.stderr)
    return EXIT_OK


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
    from ..services.files import write_file

    target = Path(args.output)
    data = (services.audit.anchor_pdf(anchor, clinic) if target.suffix.lower() == ".pdf"
            else anchor.text().encode("utf-8"))
    write_file(target, data)  # whole or not at all; StorageError exits 1
    print(f"Wrote the audit anchor of entry {anchor.anchor.entry_id} to {target}.",
          file=sys.stderr)
    return EXIT_OK


# --- courses: recall and due ------------------------------------------------------------


