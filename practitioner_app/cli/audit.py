"""The audit trail's commands: verify, head, anchor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import EXIT_FAILURE, EXIT_OK, _fail, _subparser, _write_stdout


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
    from ..domain.audit import ANCHOR_FORM, parse_anchor

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
    from ..services.files import write_file

    target = Path(args.output)
    data = (services.audit.anchor_pdf(anchor, clinic) if target.suffix.lower() == ".pdf"
            else anchor.text().encode("utf-8"))
    write_file(target, data)  # whole or not at all; StorageError exits 1
    print(f"Wrote the audit anchor of entry {anchor.anchor.entry_id} to {target}.",
          file=sys.stderr)
    return EXIT_OK


# --- courses: recall and due ------------------------------------------------------------


