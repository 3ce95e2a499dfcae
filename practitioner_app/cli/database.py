"""Commands on the database itself: opening it safely, backup, restore, check, transfer."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import (
    BACKUP_ACTOR,
    EXIT_DENIED,
    EXIT_FAILURE,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    PASSWORD_ENV,
    _fail,
    _password,
    _sign_in,
    _subparser,
)


def _open_database(location, args: argparse.Namespace):
    """Services (or, for backup, restore and check, the database's `Maintenance`) for the
    command in `args`, or the exit status after saying why the database cannot be used.

    On a file, writing commands (`writes`) first take the database's lock, so they never
    write while the app has it open (a copy of the app that is closing, still making its
    closing backup, is waited for, and the wait is said on standard error), and then
    follow the window's start-up rule: a file not sealed as the app left it gets the
    cheap check (`PRAGMA quick_check`) first; a damaged file, or one that is not a
    database, is reported with the newest good backup and never worked on or
    overwritten. Commands that only read take no lock and make no check (see
    services/opening.py). A server database is shared by design: the server keeps
    concurrent writers apart.
    """
    from ..domain.errors import StorageError
    from ..persistence.file_lock import SealWhenDone
    from ..persistence.file_seal import sealed_check
    from ..services.opening import Maintenance, Opened, Unusable, lock_for, open_database

    lock = None
    if getattr(args, "writes", False) and not location.is_server:
        try:
            lock = lock_for(location).acquire()
        except StorageError as error:  # in use by the app, or a read-only folder
            return _fail(EXIT_FAILURE, str(error))
        if getattr(lock, "waiting", False):
            print("Waiting for the copy of the app that is closing to finish its backup…",
                  file=sys.stderr, flush=True)
    if not getattr(args, "opens_services", True):
        if lock is None and not location.is_server:
            # A scheduled backup records itself in the audit trail, which changes the
            # file: if it was sealed, seal it again afterwards, or the next morning's
            # start would check the whole file before sign-in.
            checked_at = sealed_check(location.path)
            if checked_at is not None:
                lock = SealWhenDone(location.path, checked_at)
        try:
            return Maintenance(location, lock)
        except StorageError as error:  # the closing copy never let go
            return _fail(EXIT_FAILURE, str(error))
    outcome = open_database(location, lock=lock)
    if isinstance(outcome, Opened):
        return outcome.services
    if isinstance(outcome, Unusable):
        if lock is not None:
            lock.release()
        return _fail(EXIT_FAILURE, f"cannot open the database {location.shown}: "
                                   f"{_damage_report(outcome.assessment)}")
    return _fail(EXIT_FAILURE, f"cannot open the database {location.shown}: {outcome.message}")


def _damage_report(found) -> str:
    """What is wrong with the database and, when a backup is the remedy, which one."""
    from ..services.backup import BackupService
    from ..services.opening import backups_dir_for

    message = found.message()
    if not found.can_restore:
        return message
    folder = backups_dir_for(found.path)
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
        "day for 7 days, one a week for 4 weeks, one a month for 12 months); those more "
        "than an hour older than the newest are folded into older-backups.store in the "
        "same folder, which keeps what they share once, compressed. The app "
        "also backs up by itself: when it closes and every 30 minutes while records "
        "change. Every backup is recorded in the audit trail before it is written: with "
        "-o (every record leaves the app) under --user, which a database with accounts "
        "requires; into the backups folder under --user if given, else as "
        f"'{BACKUP_ACTOR}', so a scheduled backup needs no password.\n\n"
        "example:\n  practitioner-app --user jroe backup -o /media/usb/clinic-2026-11-24.sqlite3")
    backup.add_argument("-o", "--output", metavar="FILE",
                        help="write the backup to FILE, which must not exist yet")
    backup.add_argument("--list", action="store_true",
                        help="list the backups in the backups folder (newest first) instead; "
                             "any of them can be given to 'restore'")
    backup.set_defaults(handler=_backup, opens_services=False)


def _backup(services, args) -> int:
    from ..services.backup import State

    if args.list:
        return _list_backups(services.backup)
    found = services.assess()
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
    from ..domain.audit import Action
    from ..services.backup import StorageError

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


def _list_backups(backup) -> int:
    """One line per backup: when, what kind, its size and the name to restore it by.
    Reads names and the store's list only, never a backup itself."""
    found = backup.list_backups()
    if not found:
        print(f"There are no backups in {backup.backups_dir}.")
        return EXIT_OK
    for each in found:
        where = "  (in older-backups.store)" if getattr(each, "stored", False) else ""
        print(f"{each.made:%Y-%m-%d %H:%M}  {each.kind:<16} {each.size:>15,} bytes  "
              f"{each.path}{where}")
    print(f"{len(found)} backup(s) in {backup.backups_dir}.")
    return EXIT_OK


def _backup_recorder(path, args, target: Path | None):
    """Services that record the backup in the audit trail, or the exit status.

    With --user, as that practitioner (signed in). Without it, on a database with
    accounts: a copy into the backups folder (what a scheduled task makes) is recorded as
    BACKUP_ACTOR, and a copy elsewhere (-o: every record leaves the app) is refused."""
    from ..services.container import open_services

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
        "backups with 'practitioner-app backup --list'; one kept in older-backups.store "
        "is given by the path or name shown there and is written out and checked "
        "first.\n\n"
        "example:\n  practitioner-app restore backups/backup-20261124-093000-000000Z.sqlite3")
    restore.add_argument("file", metavar="FILE", help="the backup to restore")
    restore.set_defaults(handler=_restore, opens_services=False, writes=True)


def _restore(services, args) -> int:
    source = Path(args.file)
    if services.backup.locate(source) is None:
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
    from ..services.backup import assess
    from ..services.container import open_services

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
    """The checks' lines on stdout, as always. On a terminal, stderr shows which check
    runs and how far it is (one line, rewritten); Ctrl+C stops the check (even SQLite's
    integrity check, mid-statement) and exits 130 saying it was cancelled."""
    import signal
    import sys
    import threading

    from ..services.check_runner import CheckProgress

    terminal = sys.stderr.isatty()

    def show(status) -> None:
        sys.stderr.write(f"\r{status.text()}\x1b[K")
        sys.stderr.flush()

    progress = CheckProgress(show if terminal else None, interval=0.2)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = (signal.signal(signal.SIGINT, lambda _signal, _frame: progress.cancel())
                if main_thread else None)
    try:
        report = services.backup.check(progress=progress)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
        if terminal:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
    for line in report.lines():
        print(line)
    if report.cancelled is not None:
        return _fail(128 + signal.SIGINT, f"check cancelled (Ctrl+C) during "
                                          f"'{report.cancelled}': {report.remedy}")
    if report.ok:
        print(f"No problems found in {report.database}.")
        return EXIT_OK
    found = sum(len(r.problems) for r in report.results)
    return _fail(EXIT_FAILURE, f"{found} problem(s) found in {report.database}. {report.remedy}")


# --- audit -----------------------------------------------------------------------------




def _add_transfer(commands) -> None:
    transfer = _subparser(
        commands, "transfer", "move the clinic from its file onto a PostgreSQL server",
        "Copy every record of the SQLite file given with --db (patients, sessions, "
        "zones, screens, courses, consents, accounts, signatures, addenda, rules, clinic "
        "settings and the whole audit trail) into an empty database on the clinic's "
        "PostgreSQL server, in one transaction, then check it there: row counts per "
        "table equal, every signed session's digest still matches, and the audit trail "
        "verifies end to end with the same newest entry. The move is then recorded as the "
        "next entry of the server's audit trail. A server database that already holds "
        "records is refused. The file is never changed: it is read in one read-only "
        "transaction, nobody signs in to it, and a file from an older version is upgraded "
        "on a copy. Close the app on this computer first. A file with accounts needs an "
        "administrator's --user (the password is asked for, or read from "
        f"${PASSWORD_ENV}). The server's password comes from ~/.pgpass or PGPASSWORD, "
        "never from the app.\n\n"
        "example:\n  practitioner-app --db clinic.sqlite3 --user jroe transfer "
        "--to postgresql://clinic@records.local/clinic")
    transfer.add_argument("--to", metavar="URL", required=True,
                          help="the empty server database: postgresql://USER@HOST[:PORT]/DBNAME")
    transfer.set_defaults(handler=_transfer, opens_services=False, writes=True,
                          signs_in=False)


def _transfer(services, args) -> int:
    from ..domain.errors import SignInRefused
    from ..domain.location import LocationError, parse_location
    from ..services.transfer import TransferRefused, transfer

    if services.location.is_server:
        return _fail(EXIT_USAGE, "transfer copies a clinic's SQLite file onto a server: give "
                                 "the file with --db and the server database with --to")
    try:
        target = parse_location(args.to)
    except LocationError as error:
        return _fail(EXIT_USAGE, str(error).replace("--db", "--to"))
    if not target.is_server:
        return _fail(EXIT_USAGE, "--to must name a server database: "
                                 "postgresql://USER@HOST[:PORT]/DBNAME")
    password = _password(args.user) if args.user else None
    if isinstance(password, int):
        return password
    try:
        report = transfer(services.location.path, target, username=args.user,
                          password=password, progress=lambda line: print(line, flush=True))
    except SignInRefused as error:
        return _fail(EXIT_DENIED, str(error))
    except TransferRefused as error:
        return _fail(EXIT_FAILURE, str(error))
    print(f"{'table':<24}{'in the file':>14}{'on the server':>16}")
    for name, in_file, on_server in report.tables:
        print(f"{name:<24}{in_file:>14,}{on_server:>16,}")
    print(f"Signed sessions checked: {report.signed_sessions:,}")
    print(f"Newest audit entry: {report.audit_head or 'none'}")
    if not report.ok:
        for problem in report.problems:
            _fail(EXIT_FAILURE, problem)
        return _fail(EXIT_FAILURE, "the server database does not match the file; the file is "
                                   "unchanged. Do not use the server database: drop it and "
                                   "transfer again.")
    print(f"Transferred {services.location.shown} to {target.shown}: every count, "
          "signature and the audit trail match. The move is recorded as audit entry "
          f"{report.recorded_as}.")
    print(f"From now on, open the clinic with --db {target.shown}; keep the file as it "
          "is, as a record of the clinic before the move.")
    return EXIT_OK


def _add_connect(commands) -> None:
    connect = _subparser(
        commands, "connect", "remember which database this workstation uses",
        "With a URL (or a file path): check that the database can be reached, then "
        "remember it for this user on this computer, so the app and every command open it "
        "without --db (a --db or $PRACTITIONER_APP_DB given later still wins). The "
        "password is never remembered: a URL holding one is refused; put it in ~/.pgpass. "
        "With --forget: go back to the default file. Without either: say which database "
        "is used and why.\n\n"
        "example:\n  practitioner-app connect postgresql://clinic@records.local/clinic")
    connect.add_argument("location", metavar="URL", nargs="?",
                         help="postgresql://USER@HOST[:PORT]/DBNAME, or a file path")
    connect.add_argument("--forget", action="store_true",
                         help="forget the remembered database (back to the default file)")
    connect.set_defaults(handler=_connect, needs_database=False)


def _connect(_services, args) -> int:
    from urllib.parse import urlsplit

    from ..domain.errors import StorageError
    from ..domain.location import LocationError, parse_location
    from ..paths import (
        DB_ENV,
        REMEMBERED_FILENAME,
        config_dir,
        database_location,
        remembered_location,
    )
    from ..services.files import write_file
    from ..services.opening import has_accounts

    remembered = config_dir() / REMEMBERED_FILENAME
    if args.forget:
        remembered.unlink(missing_ok=True)
        print(f"Forgotten. This workstation now uses {database_location().shown} by default.")
        return EXIT_OK
    if args.location is None:
        if os.environ.get(DB_ENV):
            why = f"from ${DB_ENV}"
        elif remembered_location():
            why = f"remembered in {remembered}"
        else:
            why = "the default file"
        print(f"{database_location().shown} ({why})")
        return EXIT_OK
    try:
        location = parse_location(args.location)
    except LocationError as error:
        return _fail(EXIT_USAGE, str(error).replace("--db", "connect"))
    if location.is_server and urlsplit(location.url).password is not None:
        return _fail(EXIT_USAGE, "the URL holds a password, which is never remembered: give "
                                 "the URL without it and put the password in ~/.pgpass "
                                 "(or %APPDATA%\\postgresql\\pgpass.conf on Windows)")
    if location.is_server:
        try:
            has_accounts(location)
        except StorageError as error:
            return _fail(EXIT_FAILURE, f"not remembered: {error}")
    text = location.url if location.is_server else str(location.path)
    write_file(remembered, text + "\n")
    print(f"This workstation now uses {location.shown} when no --db is given.")
    return EXIT_OK
