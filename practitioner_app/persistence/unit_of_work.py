"""One unit of work per user action: everything in it is committed together or not at all,
and what it changed is announced once it is committed.

What a commit changed is collected from the SQLAlchemy session itself, not reported by
the services: each flush lists the records it inserts, updates and deletes, and each
statement written around the ORM (the demo's and imports' bulk `executemany`, a Core
UPDATE) is seen on its connection. So a new service method cannot forget to announce
what it changed. Statements the ORM did not write name a table, not rows: they announce
"everything may have changed".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from ..domain.changes import SCREEN_RULES, ZONE_GUIDANCE, Changes
from .models import (
    AddendumRecord,
    AuditRecord,
    ClinicSettingRecord,
    ConsentRecord,
    ContraindicationRuleRecord,
    CourseRecord,
    PatientRecord,
    ScreenAnswerRecord,
    SessionRecord,
    UserRecord,
    ZoneGuidanceRecord,
    ZoneRecord,
)
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

if TYPE_CHECKING:
    from .change_feed import ChangeFeed

#: Where a unit of work's collector is kept: the session's `info`, and the execution
#: options of the connection the session's transaction runs on.
_COLLECTOR = "practitioner_changes"

#: Tables no view shows from a change: accounts (sign-in attempts count on every try) and
#: the audit trail (nearly every action appends to it). Anything else not mapped below,
#: a table added later included, announces "everything".
_UNANNOUNCED = frozenset({UserRecord.__tablename__, AuditRecord.__tablename__,
                          "alembic_version"})

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:"?\w+"?\.)?"?(\w+)"?',
                    re.IGNORECASE)


class ChangeCollector:
    """What one unit of work has written so far, until it commits."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.patients: set[int] = set()
        self.sessions: set[int] = set()
        self.courses: set[int] = set()
        self.consents: set[int] = set()
        self.settings: set[str] = set()
        self.everything = False
        #: Sessions whose patient was not at hand in the flush (a zone row, an addendum):
        #: looked up before commit.
        self.sessions_of_unknown_patient: set[int] = set()
        self.flushing = False

    def record(self, session: Session, obj) -> None:
        """Note a record the flush wrote (added, changed or deleted)."""
        values = inspect(obj).dict  # what is loaded: never a lazy load inside a flush
        if isinstance(obj, PatientRecord):
            self._patient(values.get("id"))
        elif isinstance(obj, SessionRecord):
            self._session(session, values.get("id"), values.get("patient_id"))
        elif isinstance(obj, ZoneRecord | ScreenAnswerRecord | AddendumRecord):
            self._session(session, values.get("session_id"), None)
        elif isinstance(obj, CourseRecord):
            self._add(self.courses, values.get("id"))
            self._patient(values.get("patient_id"))
        elif isinstance(obj, ConsentRecord):
            self._add(self.consents, values.get("id"))
            self._patient(values.get("patient_id"))
        elif isinstance(obj, ClinicSettingRecord):
            key = values.get("key")
            if key is None:
                self.everything = True
            else:
                self.settings.add(key)
        elif isinstance(obj, ContraindicationRuleRecord):
            self.settings.add(SCREEN_RULES)
        elif isinstance(obj, ZoneGuidanceRecord):
            self.settings.add(ZONE_GUIDANCE)
        elif not isinstance(obj, UserRecord | AuditRecord):
            self.everything = True  # a record no view knows yet: read everything again

    def statement(self, sql: str) -> None:
        """Note a statement written around the ORM: it names a table, not the rows."""
        found = _WRITE.match(sql)
        if found is not None and found.group(1).lower() not in _UNANNOUNCED:
            self.everything = True

    def _add(self, ids: set[int], value) -> None:
        if value is None:
            self.everything = True
        else:
            ids.add(int(value))

    def _patient(self, patient_id) -> None:
        self._add(self.patients, patient_id)

    def _session(self, session: Session, session_id, patient_id) -> None:
        self._add(self.sessions, session_id)
        if session_id is None:
            return
        if patient_id is None:
            key = inspect(SessionRecord).identity_key_from_primary_key((session_id,))
            parent = session.identity_map.get(key)
            patient_id = None if parent is None else inspect(parent).dict.get("patient_id")
        if patient_id is None:
            self.sessions_of_unknown_patient.add(int(session_id))
        else:
            self.patients.add(int(patient_id))

    def changes(self, session: Session) -> Changes:
        """Everything collected, the patients of sessions named only by id looked up
        (inside the transaction, before it commits)."""
        if self.everything:
            return Changes.all()
        unknown = sorted(self.sessions_of_unknown_patient)
        if unknown:
            self.patients.update(session.scalars(
                select(SessionRecord.patient_id).where(SessionRecord.id.in_(unknown))))
        return Changes.of(patients=self.patients, sessions=self.sessions,
                          courses=self.courses, consents=self.consents,
                          settings=self.settings)


def collect_changes(sessions: sessionmaker, engine: Engine) -> None:
    """Watch every session `sessions` makes, and every statement on `engine`, for what a
    unit of work changes. Called once per database."""

    @event.listens_for(sessions, "after_begin")
    def _on_connection(session, _transaction, connection) -> None:
        collector = session.info.get(_COLLECTOR)
        if collector is not None:
            # Each session transaction gets its own Connection object: the option is seen
            # only by this unit of work's statements, whatever thread runs another.
            connection.execution_options(**{_COLLECTOR: collector})

    @event.listens_for(sessions, "before_flush")
    def _flush_starts(session, _context, _instances) -> None:
        collector = session.info.get(_COLLECTOR)
        if collector is not None:
            collector.flushing = True

    @event.listens_for(sessions, "after_flush")
    def _flushed(session, _context) -> None:
        collector = session.info.get(_COLLECTOR)
        if collector is None:
            return
        collector.flushing = False
        for obj in session.new:
            collector.record(session, obj)
        for obj in session.dirty:
            if session.is_modified(obj, include_collections=False):
                collector.record(session, obj)
        for obj in session.deleted:
            collector.record(session, obj)

    @event.listens_for(sessions, "after_rollback")
    def _rolled_back(session) -> None:
        collector = session.info.get(_COLLECTOR)
        if collector is not None:
            collector.flushing = False

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(connection, _cursor, statement, _parameters, _context, _many) -> None:
        collector = connection.get_execution_options().get(_COLLECTOR)
        if collector is not None and not collector.flushing:
            collector.statement(statement)


class UnitOfWork:
    """`with uow: ...; uow.commit()`. Leaving the block without commit rolls back, and
    nothing is announced."""

    def __init__(self, session_factory: Callable[[], Session],
                 feed: ChangeFeed | None = None) -> None:
        self._session_factory = session_factory
        self._feed = feed

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self._changes = ChangeCollector()
        self.session.info[_COLLECTOR] = self._changes
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
            self.session.info.pop(_COLLECTOR, None)
            self.session.close()

    def commit(self) -> None:
        """Commit, then announce what was changed (on a server, the notice is sent inside
        the transaction, so other workstations hear of it only if it commits)."""
        self.session.flush()
        changes = self._changes.changes(self.session)
        if changes and self._feed is not None:
            self._feed.before_commit(self.session, changes)
        self.session.commit()
        self._changes.reset()
        if changes and self._feed is not None:
            self._feed.committed(changes)
