"""Where the database, its backups and the app's preferences live.

Order of precedence for the database: `--db PATH|URL`, then the PRACTITIONER_APP_DB
environment variable, then the database this workstation remembers (`connect`), then
`practitioner.sqlite3` in the user's data folder. A `postgresql://` URL names a database
on the clinic's server instead of a file.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "practitioner-app"
DB_ENV = "PRACTITIONER_APP_DB"
CONFIG_ENV = "PRACTITIONER_APP_CONFIG_DIR"
DB_FILENAME = "practitioner.sqlite3"


LOG_FILENAME = "practitioner-app.log"
#: In the config folder: the one line naming the database this workstation uses when
#: neither --db nor the environment says (a path or a URL; never a password).
REMEMBERED_FILENAME = "database-location"


def database_path(cli_value: str | os.PathLike | None = None) -> Path:
    if cli_value:
        return Path(cli_value).expanduser().resolve()
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV]).expanduser().resolve()
    return default_data_folder() / DB_FILENAME


def database_location(cli_value: str | os.PathLike | None = None):
    """Where the record is, from `--db`, then the environment, then the default file: a
    `Location` (an SQLite file, or a `postgresql://` server database). Raises
    LocationError for text that is neither."""
    from .domain.location import Location, parse_location

    text = cli_value or os.environ.get(DB_ENV) or remembered_location()
    if not text:
        return Location(path=default_data_folder() / DB_FILENAME)
    return parse_location(str(text))


def remembered_location() -> str | None:
    """The database this workstation remembers (`practitioner-app connect`), or None."""
    try:
        text = (config_dir() / REMEMBERED_FILENAME).read_text("utf-8").strip()
    except OSError:
        return None
    return text or None


def default_data_folder() -> Path:
    """The app's own data folder (the database's unless --db or the environment says
    otherwise): created owner-only, and tightened at start if an older version left it
    open to other users."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def log_path(db_path: Path) -> Path:
    """Warnings and errors are logged beside the database (never patient values)."""
    return db_path.parent / LOG_FILENAME


def backups_dir(db_path: Path) -> Path:
    """Backups sit beside the database, so one folder holds everything to copy off-site."""
    return db_path.parent / "backups"


def config_dir() -> Path:
    """Preferences (window sizes, last practitioner name): never patient data."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def resources_dir() -> Path:
    """The project's resources/ folder (fonts, icons, styles)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("resources folder not found beside the practitioner_app package")
