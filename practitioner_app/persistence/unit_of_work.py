"""One unit of work per user action: everything in it is committed together or not at all."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session

from .record_repositories import (
    AuditRepository,
    ConsentRepository,
    CourseRepository,
    RecallRepository,
    RuleRepository,
    SigningRepository,
    UserRepository,
)
from .repositories import PatientRepository, SessionRepository, SettingsRepository


class UnitOfWork:
    """`with uow: ...; uow.commit()`. Leaving the block without commit rolls back."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.patients = PatientRepository(self.session)
        self.sessions = SessionRepository(self.session)
        self.settings = SettingsRepository(self.session)
        self.users = UserRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.rules = RuleRepository(self.session)
        self.consents = ConsentRepository(self.session)
        self.signing = SigningRepository(self.session)
        self.courses = CourseRepository(self.session)
        self.recall = RecallRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()  # no-op after commit; undoes anything half done
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()
