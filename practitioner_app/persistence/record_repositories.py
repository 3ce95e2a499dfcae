"""Repositories for accounts, the audit log, the screen rules, consents and signing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..domain.accounts import User
from ..domain.audit import GENESIS, AuditEntry, canonical_details, entry_hash
from ..domain.enums import SessionStatus
from ..domain.screening import ContraindicationRule
from ..domain.signing import Addendum, Consent, Signature
from .models import (
    AddendumRecord,
    AuditRecord,
    ConsentRecord,
    ContraindicationRuleRecord,
    PatientRecord,
    SessionRecord,
    UserRecord,
)


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

    def active_admins(self) -> int:
        return self._s.scalar(select(func.count(UserRecord.id)).where(
            UserRecord.is_admin, UserRecord.active)) or 0

    @staticmethod
    def as_user(r: UserRecord) -> User:
        return _user(r)


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def append(self, at: datetime, username: str, action: str, *, patient_id: int | None,
               session_id: int | None, details: dict[str, Any] | None) -> AuditEntry:
        """Add the next entry of the chain in the caller's transaction."""
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

    def last_issued_id(self) -> int:
        seq = self._s.execute(text(
            "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'")).scalar()
        return int(seq or 0)

    def all(self) -> list[AuditEntry]:
        rows = self._s.scalars(select(AuditRecord).order_by(AuditRecord.id))
        return [AuditEntry(r.id, r.at, r.username, r.action, r.patient_id, r.session_id,
                           r.details, r.prev_hash, r.hash) for r in rows]

    def find(self, *, patient_id: int | None = None, username: str | None = None,
             start: datetime | None = None, end: datetime | None = None,
             limit: int = 5000) -> list[AuditEntry]:
        """Entries newest first, filtered by patient, user and a [start, end) time range."""
        stmt = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
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

    def add(self, patient_id: int, consent: Consent, now: datetime) -> Consent:
        r = ConsentRecord(patient_id=patient_id, kind=consent.kind,
                          text_version=consent.text_version, consent_date=consent.consent_date,
                          witnessed_by=consent.witnessed_by, recorded_by=consent.recorded_by,
                          recorded_at=now)
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

    def sign(self, session_id: int, signature: Signature) -> None:
        """Set the signature once; the triggers refuse every later change."""
        record = self._s.get(SessionRecord, session_id)
        record.status = SessionStatus.SIGNED
        record.signed_at = signature.signed_at
        record.signer_username = signature.signer_username
        record.signer_name = signature.signer_name
        record.signer_role = signature.signer_role
        record.signer_registration = signature.signer_registration
        record.digest = signature.digest
        self._s.flush()

    def add_addendum(self, session_id: int, addendum: Addendum) -> None:
        self._s.add(AddendumRecord(
            session_id=session_id, author_username=addendum.author_username,
            author_name=addendum.author_name, created_at=addendum.created_at,
            reason=addendum.reason, text=addendum.text))
        self._s.flush()

    def patient_number(self, session_id: int) -> str | None:
        return self._s.scalar(select(PatientRecord.number).join(
            SessionRecord, SessionRecord.patient_id == PatientRecord.id).where(
            SessionRecord.id == session_id))
