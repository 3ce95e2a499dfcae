"""What every command shares: exit statuses, the help layout, signing in, failing."""

from __future__ import annotations

import argparse
import os
import sys

from ..paths import DB_ENV, DB_FILENAME, database_path

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



#: Who a backup into the backups folder without --user is recorded as (a scheduled task).
BACKUP_ACTOR = "system (backup command)"


def _sign_in(services, args) -> int | None:
    """Act as `--user`, who must give their password; None when that worked or no
    account applies (a database nobody has signed up to yet), else the exit status."""
    from ..domain.errors import SignInRefused

    if not services.accounts.has_accounts():
        return None
    if not args.user:
        return _fail(EXIT_DENIED, "this database has practitioner accounts: name yours with "
                                  f"--user NAME (the password is asked for, or read from "
                                  f"${PASSWORD_ENV})")
    password = _password(args.user)
    if isinstance(password, int):
        return password
    try:
        services.accounts.sign_in(args.user, password)
    except SignInRefused as error:
        return _fail(EXIT_DENIED, str(error))
    return None


def _password(username: str) -> str | int:
    """`username`'s password from $PRACTITIONER_APP_PASSWORD, else asked for in the
    terminal; the exit status when there is neither."""
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            return _fail(EXIT_DENIED, f"no password given: set ${PASSWORD_ENV} or run the "
                                      "command in a terminal")
        import getpass

        password = getpass.getpass(f"Password for {username}: ")
    return password


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




def _write_stdout(text: str) -> None:
    """`text` as UTF-8 whatever the console's encoding, as the export format promises."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def _one_line(text: str) -> str:
    """Tabs and newlines in a name would break the one-record-per-line output."""
    return " ".join(text.split())
