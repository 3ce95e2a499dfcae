"""Repositories for accounts, the audit log, the screen rules, consents and signing."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, false, func, or_, select, text, update
from sqlalchemy.orm import Session

from ..domain.accounts import User
from ..domain.audit import GENESIS, AuditEntry, canonical_details, entry_hash
from ..domain.audit_listing import PAGE_SIZE, AuditCursor, AuditFilter, AuditRow
from ..domain.course import COUNTED_STATUSES, Course, CourseStatus, DueRow, RecallRow, lot_key
from ..domain.enums import SessionStatus
from ..domain.screening import ContraindicationRule
from ..domain.signing import Addendum, Consent, Signature
from . import audit_pages
from .audit_lock import hold_audit_chain
from .models import (
    AddendumRecord,
    AuditRecord,
    ClinicSettingRecord,
    ConsentRecord,
    ContraindicationRuleRecord,
    CourseRecord,
    PatientRecord,
    SessionRecord,
    UserRecord,
)
from .repositories import check_version, flush_checked

#: Settings key of the sign-in attempts made with names that are no account: "COUNT" or
#: "COUNT LAST-CHECKED-FAILURE" (ISO time).
UNKNOWN_ACCOUNT_ATTEMPTS_KEY = "security.unknown_account_attempts"


def _user(r: UserRecord) -> User:
    return User(r.id, r.username, r.full_name, r.role_title, r.registration_number,
                r.is_admin, r.active)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def count(self) -> int:
        return self._s.scalar(select(func.count(UserRecord.id))) or 0

    def record(self, username: str) -> UserRecord | None:
        return self._s.scalar(select(UserRecord).where(UserRecord.username == username))

    def record_by_id(self, user_id: int) -> UserRecord | None:
        return self._s.get(UserRecord, user_id)

    def get(self, user_id: int) -> User | None:
        r = self._s.get(UserRecord, user_id)
        return None if r is None else _user(r)

    def all(self) -> list[User]:
        return [_user(r) for r in self._s.scalars(select(UserRecord).order_by(
            UserRecord.full_name, UserRecord.id))]

    def add(self, user: User, password_hash: str, now: datetime) -> User:
        r = UserRecord(username=user.username, full_name=user.full_name,
                       role_title=user.role_title, registration_number=user.registration_number,
                       is_admin=user.is_admin, active=user.active, password_hash=password_hash,
                       failed_attempts=0, created_at=now)
        self._s.add(r)
        self._s.flush()
        return _user(r)

    def printed_name(self, username: str) -> str:
        """"Full Name (username)" for an account, else `username` as it is (the command
        line, or an account since renamed)."""
        full_name = self._s.scalar(select(UserRecord.full_name)
                                   .where(UserRecord.username == username))
        return f"{full_name} ({username})" if full_name else username

    def active_admins(self) -> int:
        return self._s.scalar(select(func.count(UserRecord.id)).where(
            UserRecord.is_admin, UserRecord.active)) or 0

    # -- sign-in attempts: counted before the password is checked -------------------------
    # Every method below starts with a write, so the transaction holds SQLite's write lock
    # before it reads: parallel attempts queue (busy_timeout) instead of reading the same
    # count, and a transaction that read first is never refused at its first write
    # because another process wrote in between (SQLITE_BUSY_SNAPSHOT in WAL mode).

    def count_attempt(self, username: str) -> tuple[int, int, datetime | None] | None:
        """Add one to the failed attempts of the account `username` in one statement:
        (account id, attempts counted before this one, last checked failure), or None when
        there is no such account (the statement still took the write lock)."""
        users = UserRecord.__table__.c
        row = self._s.execute(
            update(UserRecord.__table__).where(users.username == username)
            .values(failed_attempts=users.failed_attempts + 1)
            .returning(users.id, users.failed_attempts, users.last_failed_at)).first()
        return None if row is None else (row[0], row[1] - 1, row[2])

    def count_unknown_attempt(self) -> tuple[int, datetime | None]:
        """Add one to the attempts made with names that are no account, all counted
        together so that no typed name is kept: (attempts before this one, last checked
        failure). Call after `count_attempt`, which took the write lock."""
        earlier, last = self._unknown_attempts()
        self._put_unknown_attempts(earlier + 1, last)
        return earlier, last

    def note_check(self, user_id: int | None, now: datetime) -> None:
        """The attempt about to be checked starts the wait of the next one (`user_id`
        None: the attempts with unknown names). Call after a `count_...` method."""
        if user_id is None:
            count, _last = self._unknown_attempts()
            self._put_unknown_attempts(count, now)
        else:
            users = UserRecord.__table__.c
            self._s.execute(update(UserRecord.__table__).where(users.id == user_id)
                            .values(last_failed_at=now))

    def reset_attempts(self, user_id: int) -> UserRecord | None:
        """The right password: the account's count starts again. Returns its record."""
        users = UserRecord.__table__.c
        self._s.execute(update(UserRecord.__table__).where(users.id == user_id)
                        .values(failed_attempts=0))
        return self._s.get(UserRecord, user_id)

    def hold_writes(self) -> None:
        """Take the write lock now with a write that changes nothing."""
        users = UserRecord.__table__.c
        self._s.execute(update(UserRecord.__table__).where(false())
                        .values(failed_attempts=users.failed_attempts))

    def _unknown_attempts(self) -> tuple[int, datetime | None]:
        record = self._s.get(ClinicSettingRecord, UNKNOWN_ACCOUNT_ATTEMPTS_KEY)
        count, _, last = (record.value if record else "0").partition(" ")
        return int(count), datetime.fromisoformat(last) if last else None

    def _put_unknown_attempts(self, count: int, last: datetime | None) -> None:
        value = f"{count} {last.isoformat()}" if last else str(count)
        self._s.merge(ClinicSettingRecord(key=UNKNOWN_ACCOUNT_ATTEMPTS_KEY, value=value))

    @staticmethod
    def as_user(r: UserRecord) -> User:
        return _user(r)


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def append(self, at: datetime, username: str, action: str, *, patient_id: int | None,
               session_id: int | None, details: dict[str, Any] | None) -> AuditEntry:
        """Add the next entry of the chain in the caller's transaction, which holds the
        chain's lock from here until it ends (audit_lock.py), so concurrent appends from
        any number of windows and commands queue up and leave one unbroken chain."""
        hold_audit_chain(self._s)
        last = self._s.execute(select(AuditRecord.id, AuditRecord.hash)
                               .order_by(AuditRecord.id.desc()).limit(1)).first()
        prev_hash = last[1] if last else GENESIS
        entry_id = max(self.last_issued_id(), last[0] if last else 0) + 1
        text_details = canonical_details(details)
        digest = entry_hash(prev_hash, entry_id, at, username, action, patient_id,
                            session_id, text_details)
        self._s.add(AuditRecord(id=entry_id, at=at, username=username, action=action,
                                patient_id=patient_id, session_id=session_id,
                                details=text_details, prev_hash=prev_hash, hash=digest))
        self._s.flush()
        return AuditEntry(entry_id, at, username, action, patient_id, session_id,
                          text_details, prev_hash, digest)

    def hold_chain(self) -> None:
        """Take the audit chain's lock now, before reading what is about to be written.

        Every change appends an entry, and appending takes this lock anyway; taking it
        first makes the version check (or the choice of a free patient number) and the
        write one step that no other workstation's change can come between. It also keeps
        one lock order, the chain before any row: a transaction that locked a row (by
        updating it) and then waited for the chain, while the chain's holder waited for
        that row, would deadlock on PostgreSQL."""
        hold_audit_chain(self._s)

    def newest(self, actions: tuple[str, ...], *, patient_id: int | None = None,
               session_id: int | None = None, details: dict[str, Any] | None = None,
               scan: int = 500) -> AuditEntry | None:
        """The newest entry recording one of `actions` about the given patient and/or
        session whose details hold every item of `details`; among the newest `scan`
        entries with those actions (None when none is found there). Filtering by patient
        uses the entries' patient index."""
        stmt = (select(AuditRecord).where(AuditRecord.action.in_(actions))
                .order_by(AuditRecord.id.desc()).limit(scan))
        if patient_id is not None:
            stmt = stmt.where(AuditRecord.patient_id == patient_id)
        if session_id is not None:
            stmt = stmt.where(AuditRecord.session_id == session_id)
        for r in self._s.scalars(stmt):
            if details:
                try:
                    held = json.loads(r.details)
                except ValueError:
                    continue
                if not isinstance(held, dict) or any(held.get(k) != v
                                                      for k, v in details.items()):
                    continue
            return AuditEntry(r.id, r.at, r.username, r.action, r.patient_id, r.session_id,
                              r.details, r.prev_hash, r.hash)
        return None

    def last_issued_id(self) -> int:
        """The highest id SQLite ever issued (AUTOINCREMENT), so the newest entries'
        deletion is seen. PostgreSQL's sequences do not roll back with a transaction, so
        there the newest entry stands alone, protected by its triggers and rights."""
        if self._s.get_bind().dialect.name != "sqlite":
            return 0
        seq = self._s.execute(text(
            "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'")).scalar()
        return int(seq or 0)

    def page(self, wanted: AuditFilter, *, actions: tuple[str, ...] | None = None,
             contains: str | None = None, after: AuditCursor | None = None,
             limit: int = PAGE_SIZE) -> list[AuditRow]:
        """One page of the trail, newest first, after `after` (audit_pages.page_rows)."""
        return audit_pages.page_rows(self._s, wanted, actions, contains, after, limit)

    def chain_slice(self, after_id: int, up_to: int, limit: int) -> list[AuditEntry]:
        """Entries numbered (after_id, up_to], oldest first, at most `limit`."""
        return audit_pages.chain_slice(self._s, after_id, up_to, limit)

    def entry(self, entry_id: int) -> AuditEntry | None:
        return audit_pages.entry(self._s, entry_id)

    def newest_id(self) -> int:
        """The highest number the trail holds (0 while it is empty)."""
        return audit_pages.newest_id(self._s)

    def find(self, *, patient_id: int | None = None, username: str | None = None,
             start: datetime | None = None, end: datetime | None = None,
             actions: tuple[str, ...] | None = None, limit: int = 5000) -> list[AuditEntry]:
        """Entries newest first, filtered by patient, user, action (any of `actions`) and
        a [start, end) time range."""
        stmt = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
        if actions:
            stmt = stmt.where(AuditRecord.action.in_(actions))
        if patient_id is not None:
            stmt = stmt.where(AuditRecord.patient_id == patient_id)
        if username:
            stmt = stmt.where(AuditRecord.username == username)
        if start is not None:
            stmt = stmt.where(AuditRecord.at >= start)
        if end is not None:
            stmt = stmt.where(AuditRecord.at < end)
        return [AuditEntry(r.id, r.at, r.username, r.action, r.patient_id, r.session_id,
                           r.details, r.prev_hash, r.hash) for r in self._s.scalars(stmt)]


class RuleRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def all(self) -> tuple[ContraindicationRule, ...]:
        rows = self._s.scalars(select(ContraindicationRuleRecord)
                               .order_by(ContraindicationRuleRecord.position))
        return tuple(ContraindicationRule(r.item, r.severity, r.window, r.position, r.active,
                                          r.id) for r in rows)

    def replace_all(self, rules: tuple[ContraindicationRule, ...]) -> None:
        """The clinic's new screen. Past sessions keep the wording they were asked in."""
        for r in self._s.scalars(select(ContraindicationRuleRecord)):
            self._s.delete(r)
        self._s.flush()
        for position, rule in enumerate(rules):
            self._s.add(ContraindicationRuleRecord(
                item=rule.item, severity=rule.severity, window=rule.window,
                position=position, active=rule.active))
        self._s.flush()


class ConsentRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, patient_id: int, consent: Consent, now: datetime,
            audit_id: int | None = None) -> Consent:
        """Append a consent; `audit_id` names the audit entry that recorded it."""
        r = ConsentRecord(patient_id=patient_id, kind=consent.kind,
                          text_version=consent.text_version, consent_date=consent.consent_date,
                          witnessed_by=consent.witnessed_by, recorded_by=consent.recorded_by,
                          recorded_at=now, audit_id=audit_id)
        self._s.add(r)
        self._s.flush()
        return Consent(r.kind, r.text_version, r.consent_date, r.witnessed_by, r.recorded_by,
                       r.id)

    def for_patient(self, patient_id: int) -> list[Consent]:
        rows = self._s.scalars(select(ConsentRecord).where(
            ConsentRecord.patient_id == patient_id).order_by(ConsentRecord.id))
        return [Consent(r.kind, r.text_version, r.consent_date, r.witnessed_by, r.recorded_by,
                        r.id) for r in rows]


class SigningRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def sign(self, session_id: int, signature: Signature, audit_id: int | None = None,
             version: int | None = None) -> None:
        """Set the signature once; the triggers refuse every later change. `audit_id`
        names the audit entry that recorded the signature. With `version`, the row must
        still be at that version (else VersionConflict, nothing written); in any case the
        UPDATE itself checks the version this transaction read, so of two workstations
        signing the same draft at once only the first writes."""
        record = self._s.get(SessionRecord, session_id)
        if version is not None:
            check_version(record.version, version)
        record.status = SessionStatus.SIGNED
        record.signed_at = signature.signed_at
        record.signer_username = signature.signer_username
        record.signer_name = signature.signer_name
        record.signer_role = signature.signer_role
        record.signer_registration = signature.signer_registration
        record.digest = signature.digest
        record.digest_rule = signature.rule
        record.signed_audit_id = audit_id
        if signature.imported is not None:
            record.imported_from = signature.imported.source
            record.imported_at = signature.imported.imported_at
            record.imported_by = signature.imported.imported_by
        flush_checked(self._s)

    def add_addendum(self, session_id: int, addendum: Addendum,
                     audit_id: int | None = None) -> None:
        """Append an addendum; `audit_id` names the audit entry that recorded it."""
        self._s.add(AddendumRecord(
            session_id=session_id, author_username=addendum.author_username,
            author_name=addendum.author_name, created_at=addendum.created_at,
            reason=addendum.reason, text=addendum.text, audit_id=audit_id))
        self._s.flush()

    def patient_number(self, session_id: int) -> str | None:
        return self._s.scalar(select(PatientRecord.number).join(
            SessionRecord, SessionRecord.patient_id == PatientRecord.id).where(
            SessionRecord.id == session_id))


class CourseRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    @staticmethod
    def _course(r: CourseRecord) -> Course:
        return Course(r.number, r.started_on, r.planned_sessions, r.min_interval_days,
                      r.indications, r.target_zones, r.notes, r.status, r.stopped_reason, r.id,
                      r.version or 0)

    def for_patient(self, patient_id: int) -> list[Course]:
        rows = self._s.scalars(select(CourseRecord).where(CourseRecord.patient_id == patient_id)
                               .order_by(CourseRecord.number))
        return [self._course(r) for r in rows]

    def get(self, patient_id: int, number: int) -> Course | None:
        r = self._s.scalar(select(CourseRecord).where(
            CourseRecord.patient_id == patient_id, CourseRecord.number == number))
        return None if r is None else self._course(r)

    def save(self, patient_id: int, course: Course) -> Course:
        """Insert a new course (number assigned: one above the patient's highest) or
        update the course with the same number, provided it is still at the version the
        course was read at (else VersionConflict, nothing written)."""
        r = self._s.scalar(select(CourseRecord).where(
            CourseRecord.patient_id == patient_id, CourseRecord.number == course.number)
            .execution_options(populate_existing=True))
        if r is not None:
            check_version(r.version, course.version)
        else:
            highest = self._s.scalar(select(func.max(CourseRecord.number)).where(
                CourseRecord.patient_id == patient_id)) or 0
            r = CourseRecord(patient_id=patient_id, number=highest + 1)
            self._s.add(r)
        for name in ("started_on", "planned_sessions", "min_interval_days", "indications",
                     "target_zones", "notes", "status", "stopped_reason"):
            setattr(r, name, getattr(course, name))
        flush_checked(self._s)
        return self._course(r)

    def session_dates(self, patient_id: int, number: int) -> list[tuple[int, date]]:
        """(session id, date) of the course's given sessions (completed or signed; drafts
        do not count), oldest first."""
        rows = self._s.execute(select(SessionRecord.id, SessionRecord.session_date).where(
            SessionRecord.patient_id == patient_id, SessionRecord.course_number == number,
            SessionRecord.status.in_(COUNTED_STATUSES))
            .order_by(SessionRecord.session_date, SessionRecord.id))
        return [(r[0], r[1]) for r in rows]

    def due(self, until: date, limit: int | None = None) -> list[DueRow]:
        """Open courses whose next session falls on or before `until`, soonest first (then
        by name); at most `limit` of them.

        Read through the index on each course's stored due day (course_due.py), in its
        order, so only the rows returned are read, with their last date and session
        count looked up through the (patient_id, session_date) index."""
        of_course = (SessionRecord.patient_id == CourseRecord.patient_id,
                     SessionRecord.course_number == CourseRecord.number,
                     SessionRecord.status.in_(COUNTED_STATUSES))
        last = select(func.max(SessionRecord.session_date)).where(*of_course)
        done = select(func.count(SessionRecord.id)).where(*of_course)
        stmt = (select(PatientRecord.id, PatientRecord.number, PatientRecord.full_name,
                       PatientRecord.phone, CourseRecord.number,
                       done.scalar_subquery(), CourseRecord.planned_sessions,
                       last.scalar_subquery(), CourseRecord.due_on)
                # An outer join (every course has its patient) keeps the courses first:
                # SQLite would otherwise start from every patient not archived.
                .outerjoin_from(CourseRecord, PatientRecord,
                                CourseRecord.patient_id == PatientRecord.id)
                .where(CourseRecord.due_on <= until,
                       CourseRecord.status == CourseStatus.OPEN,
                       PatientRecord.archived_at.is_(None))
                .order_by(CourseRecord.due_on, PatientRecord.full_name, CourseRecord.id)
                .limit(limit))
        return [DueRow(*r) for r in self._s.execute(stmt)]


#: Lot recall: which lot column holds the lot, and which column names its product.
_LOT_COLUMNS = (
    ("serum", SessionRecord.serum_lot, SessionRecord.serum_product),
    ("numbing", SessionRecord.numbing_lot, SessionRecord.numbing_agent),
    ("cartridge", SessionRecord.needling_cartridge_lot, SessionRecord.needling_device_make),
)


#: How many spellings of the lot's first characters bound each index search.
_MOST_VARIANTS = 8
#: The characters whose lower case is c but which are none of c, c.upper(), c.title()
#: (Kelvin sign, dotted capital I, ...): a lot recorded with one is still searched for.
_ALSO_LOWERING_TO = {"i": "\u0130", "k": "\u212a", "\u00df": "\u1e9e", "\u00e5": "\u212b",
                     "\u03b8": "\u03f4", "\u03c9": "\u2126"}


def _lot_prefixes(lot: str) -> list[str]:
    """Every spelling, as to case, of the lot's first characters (at most _MOST_VARIANTS):
    each stored lot that `lot_key` matches begins with one of them, after any blanks."""
    key = lot_key(lot)
    states = [("", 0)]  # (spelling so far, how much of the key it spells)
    while True:
        grown = []
        for spelled, at in states:
            if at == len(key):
                grown.append((spelled, at))
                continue
            c = key[at]
            spellings = [x for x in sorted({c, c.upper(), c.title(),
                                             *_ALSO_LOWERING_TO.get(c, "")})
                         if key.startswith(x.lower(), at)]  # "SS" is not a spelling of "ß"
            grown += ([(spelled + x, at + len(x.lower())) for x in spellings]
                      or [(spelled, len(key))])  # none: search by what is spelled so far
        if grown == states or len(grown) > _MOST_VARIANTS:
            return [spelled for spelled, _at in states if spelled]
        states = grown


def _after(prefix: str) -> str:
    """The first text above every text that begins with `prefix` (binary order)."""
    code = ord(prefix[-1]) + 1
    return prefix[:-1] + chr(0xE000 if 0xD800 <= code <= 0xDFFF else code)


def _lot_may_match(lot_c, lot: str):
    """A condition each lot index answers with a few range searches: the stored lot
    begins with a case variant of the lot's first characters, or with a blank (typed with
    a leading space). The exact comparison (`lot_key`) is made on the rows found; the
    index holds the lots as typed, so no schema change is needed."""
    prefixes = _lot_prefixes(lot)
    if not prefixes:  # a blank lot: refused by the service before it comes here
        return lot_c != ""
    return or_(*(and_(lot_c >= p, lot_c < _after(p)) for p in prefixes),
               and_(lot_c > "", lot_c < "!"))  # "" is every session without that product


def recall_statement(lot: str, dialect: str = "sqlite"):
    """One query, served by the three lot indexes (SQLite's multi-index OR): each lot
    column is searched for the few ranges its lot could begin with, ignoring case."""
    # The ranges are in binary (code point) order, SQLite's own. PostgreSQL compares in
    # the database's collation, which on most servers (en_GB.UTF-8, ICU) is not: there
    # "HA-552:" sorts before "HA-5529" and "ab{" before "abz", so lots ending in 9 or z
    # were never found. "C" is binary order on every server (the server's lot indexes
    # must hold that order too for the recall to read them rather than the table).
    binary = (lambda c: c.collate("C")) if dialect == "postgresql" else (lambda c: c)
    return (select(PatientRecord.number, PatientRecord.full_name, PatientRecord.phone,
                   PatientRecord.email, SessionRecord.id, SessionRecord.session_date,
                   *(c for _, lot_c, product_c in _LOT_COLUMNS for c in (lot_c, product_c)))
            .join(PatientRecord, PatientRecord.id == SessionRecord.patient_id)
            .where(or_(*(_lot_may_match(binary(lot_c), lot) for _, lot_c, _p in _LOT_COLUMNS)))
            .order_by(SessionRecord.session_date, SessionRecord.id))


class RecallRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def uses_of(self, lot: str, product: str | None = None) -> list[RecallRow]:
        """Each use of the lot, ignoring case and surrounding blanks, as serum, numbing
        agent or cartridge; `product` narrows by a part of the product's name."""
        found, wanted = [], lot_key(lot)
        for r in self._s.execute(recall_statement(lot, self._s.get_bind().dialect.name)):
            patient, session = r[:4], r[4:6]
            for i, (used_as, _lot_c, _product_c) in enumerate(_LOT_COLUMNS):
                lot_value, product_value = r[6 + 2 * i], r[7 + 2 * i]
                if lot_key(lot_value) != wanted:
                    continue
                if product and product.casefold() not in product_value.casefold():
                    continue
                found.append(RecallRow(*patient, *session, used_as, product_value, lot_value))
        return found
