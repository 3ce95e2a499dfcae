"""Every service over one database, built in one place for the windows and the CLI."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from argon2 import PasswordHasher

from ..domain.audit import Action
from ..domain.location import Location
from ..persistence.change_feed import ChangeFeed
from ..persistence.database import Database
from ..persistence.safety import DatabaseLock, StorageError, prepare_database_files
from ..persistence.storage import storage_for
from .accounts import AccountService
from .audit import AuditService
from .backup import BackupService
from .base import Actor, Clock
from .clinic import ClinicService, SecuritySettings
from .consents import ConsentService
from .courses import CourseService
from .demo import DemoService
from .exchange import ExchangeService
from .opening import backup_service_for
from .patient_data import PatientDataExport
from .patients import PatientService
from .protection import ProtectionService
from .reports import ReportService
from .screening import ScreenService
from .sessions import SessionService

#: What the first screen reads on signing in, so that `Services.warm_up` reads exactly the
#: same (same SQL, same pages): the due list's default window and its length (one more
#: than it shows, to know whether more are due), the patient list's first page of ids and
#: the rows of its first block. The windows take these values from here.
DUE_WITHIN_DAYS = 7
DUE_SHOWN = 200
LIST_FIRST_IDS = 160
LIST_ROW_BLOCK = 80


@dataclass
class Services:
    #: The SQLite file, or None on a server database (see `location`).
    database_path: Path | None
    patients: PatientService
    sessions: SessionService
    exchange: ExchangeService
    demo: DemoService
    clinic: ClinicService
    reports: ReportService
    backup: BackupService
    accounts: AccountService
    audit: AuditService
    screening: ScreenService
    consents: ConsentService
    security: SecuritySettings
    courses: CourseService
    #: Who is acting, shared by every service: set by signing in.
    actor: Actor
    _database: Database
    #: Held by the windows and writing commands: no second copy of the app writes here.
    _lock: DatabaseLock | None = None

    @property
    def location(self) -> Location:
        """Where the record is: the SQLite file or the server database."""
        return self._database.location

    @property
    def on_server(self) -> bool:
        return self._database.location.is_server

    @property
    def changes(self) -> ChangeFeed:
        """What each commit changed, here and (on a server) at other workstations:
        `subscribe(callback)` / `unsubscribe(callback)` for `Changes`, and
        `subscribe_state` / `state` for the server connection. Callbacks may come on any
        thread; the windows pass them to the GUI thread (ui/change_bus.py)."""
        return self._database.changes

    def warm_up(self) -> None:
        """Prepare, off the GUI thread and while the clinician types, what signing in
        then does on it, so Enter waits for the password check and little else: the
        ORM's mappers, a pooled connection, and the SQL of the first screen compiled and
        cached by reading it once (the account lookup, the idle-lock setting, the due
        list, the patient list and its first patient). Each is read with the window's own
        arguments, so on a file that has left the page cache the pages the first screen
        reads are read here, before Enter. Reads only: nothing is written, shown or
        audited, and no result is kept."""
        self._database.warm_up()
        with self._database.unit_of_work() as uow:
            uow.users.record("")
            uow.users.record_by_id(0)  # the account read by id as the password is checked
            uow.audit.last_issued_id()  # as the sign-in's audit entry is added
        self.security.idle_minutes()
        self.courses.due(DUE_WITHIN_DAYS, DUE_SHOWN + 1)
        self.patient_count()
        ids = self.patients.search("", LIST_FIRST_IDS)
        if ids:
            self.patients.rows(ids[:LIST_ROW_BLOCK])
            self.patients.get(ids[0])
            self.sessions.rows_for_patient(ids[0])
            self.consents.for_patient(ids[0])
            self.consents.current_version()

    def patient_count(self, include_archived: bool = False) -> int:
        """How many patients the list shows for an empty search, counted without reading
        their ids (the list reads those a page at a time as it is scrolled)."""
        with self._database.unit_of_work() as uow:
            return uow.patients.listed_count(include_archived)

    def close(self) -> None:
        """Close the database (and its change feed) and release its lock; safe to call
        more than once."""
        self.backup.close()
        self._database.close()  # stops listening for other workstations' changes too
        if self._lock is not None:
            self._lock.release()

    @cached_property
    def patient_data(self) -> PatientDataExport:
        """A patient's data for an access request: JSON and PDF summary, recorded in the
        audit trail before either file is written."""
        return PatientDataExport(self.patients, self.exchange, self.reports, self.audit)


def open_services(db_path: Path | str | Location, backups_dir: Path | None = None,
                  clock: Clock | None = None, lock: DatabaseLock | None = None,
                  password_hasher: PasswordHasher | None = None,
                  actor_fallback: str = "system") -> Services:
    """Open (create and migrate if needed) the database at `db_path` (an SQLite file, or
    a server database's Location or URL) and build services.

    `lock`, when given, is held already; `Services.close()` releases it.
    `password_hasher` replaces the Argon2id defaults (cheap parameters in tests only);
    `actor_fallback` names the actor in the audit log while nobody is signed in."""
    # Owner-only files, an older version's loose modes tightened and a killed backup's
    # leftovers removed, before SQLite creates anything (its journals copy the file's mode).
    storage = storage_for(db_path)
    location = storage.location
    backups_dir = backups_dir or storage.default_backups_dir()
    tightened: list[Path] = []
    if not storage.is_server:
        tightened = prepare_database_files(location.path, backups_dir)
    database = Database(location, backups_dir)
    actor = Actor(actor_fallback)
    kwargs = {"actor": actor} if clock is None else {"clock": clock, "actor": actor}
    # Triggers dropped or altered outside the app are put back before anything else is
    # written, and the audit trail says which.
    ProtectionService(database.unit_of_work, **kwargs).restore_triggers()
    accounts = AccountService(database.unit_of_work, hasher=password_hasher, **kwargs)
    services = Services(
        accounts=accounts,
        audit=AuditService(database.unit_of_work, **kwargs),
        screening=ScreenService(database.unit_of_work, **kwargs),
        consents=ConsentService(database.unit_of_work, **kwargs),
        security=SecuritySettings(database.unit_of_work, **kwargs),
        courses=CourseService(database.unit_of_work, **kwargs),
        actor=actor,
        database_path=database.path,
        patients=PatientService(database.unit_of_work, **kwargs),
        sessions=SessionService(database.unit_of_work, accounts=accounts, **kwargs),
        exchange=ExchangeService(database.unit_of_work, **kwargs),
        demo=DemoService(database.unit_of_work, **kwargs),
        clinic=ClinicService(database.unit_of_work, **kwargs),
        reports=ReportService(database.unit_of_work, **kwargs),
        backup=backup_service_for(database.location, database.backups_dir, clock=clock,
                                  before_replace=database.close),
        _database=database,
        _lock=lock,
    )
    if tightened:
        _record_tightened(services, tightened)
    return services


def _record_tightened(services: Services, tightened: list[Path]) -> None:
    """Say in the audit trail which files other users could read until now; a database
    that cannot be written still opens (the failure is logged instead)."""
    try:
        services.audit.log(Action.FILES_TIGHTENED, files=[str(p) for p in tightened])
    except StorageError as error:
        logging.getLogger(__name__).warning("Could not record tightened files: %s", error)
