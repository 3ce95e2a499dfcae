"""Every service over one database, built in one place for the windows and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..persistence.database import Database
from .base import Clock
from .clinic import ClinicService
from .demo import DemoService
from .exchange import ExchangeService
from .patients import PatientService
from .reports import ReportService
from .sessions import SessionService


@dataclass
class Services:
    database_path: Path
    patients: PatientService
    sessions: SessionService
    exchange: ExchangeService
    demo: DemoService
    clinic: ClinicService
    reports: ReportService
    _database: Database

    def close(self) -> None:
        self._database.close()


def open_services(db_path: Path, backups_dir: Path | None = None,
                  clock: Clock | None = None) -> Services:
    """Open (create and migrate if needed) the database at `db_path` and build services."""
    database = Database(db_path, backups_dir)
    kwargs = {} if clock is None else {"clock": clock}
    return Services(
        database_path=database.path,
        patients=PatientService(database.unit_of_work, **kwargs),
        sessions=SessionService(database.unit_of_work, **kwargs),
        exchange=ExchangeService(database.unit_of_work, **kwargs),
        demo=DemoService(database.unit_of_work, **kwargs),
        clinic=ClinicService(database.unit_of_work, **kwargs),
        reports=ReportService(database.unit_of_work, **kwargs),
        _database=database,
    )
