"""Recording treatment sessions: check, save (whole or nothing), read back, list."""

from __future__ import annotations

import dataclasses

from ..domain import guidance as g
from ..domain.audit import Action
from ..domain.codec import to_plain
from ..domain.course import CourseStatus, interval_problem
from ..domain.enums import SessionStatus
from ..domain.errors import NotFound, Problem, RecordSigned, SignInRefused, ValidationError
from ..domain.guidance import ZoneGuidance
from ..domain.ids import PatientId, SessionId
from ..domain.screening import screen_problems
from ..domain.session import SessionRow, TreatmentSession
from ..domain.signing import (
    DIGEST_RULES,
    Addendum,
    addendum_hash,
    make_signature,
    session_digest,
    signature_details,
    signature_holds,
)
from ..domain.validation import errors_only, validate_session
from ..persistence.repositories import VersionConflict
from .base import Service
from .consents import DEFAULT_VERSION as DEFAULT_CONSENT_VERSION
from .consents import VERSION_KEY as CONSENT_VERSION_KEY
from .stale_records import stale_record, when_text

#: The audit actions that change a session's own record.
_SESSION_CHANGES = (Action.SESSION_CREATED, Action.SESSION_CHANGED, Action.SESSION_SIGNED,
                    Action.SIGNATURE_IMPORTED)


def changed_paths(old, new, prefix: str = "") -> list[str]:
    """Paths of the fields that differ between two plain records."""
    if isinstance(old, dict) and isinstance(new, dict):
        paths = []
        for key in old.keys() | new.keys():
            paths += changed_paths(old.get(key), new.get(key), f"{prefix}.{key}".lstrip("."))
        return sorted(paths)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        paths = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            paths += changed_paths(a, b, f"{prefix}[{i}]")
        return paths
    return [] if old == new else [prefix]


def _at(plain, path: str):
    """The value at `path` (as changed_paths names it) in a plain record."""
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            index = int(part[1:-1])
            plain = plain[index] if isinstance(plain, list) and index < len(plain) else None
        else:
            plain = plain.get(part) if isinstance(plain, dict) else None
    return plain


def session_changes(before: TreatmentSession, after: TreatmentSession) -> list[dict]:
    """[{field, old, new}] for every field that differs, values as exported (as for a
    patient's changes)."""
    old, new = to_plain(before), to_plain(after)
    return [{"field": path, "old": _at(old, path), "new": _at(new, path)}
            for path in changed_paths(old, new)]


class SessionService(Service):
    def __init__(self, uow, clock=None, actor=None, accounts=None) -> None:
        kwargs = {} if clock is None else {"clock": clock}
        super().__init__(uow, actor=actor, **kwargs)
        self._accounts = accounts

    def practitioners(self) -> list[tuple[str, str]]:
        """(name, role) of the clinic's active accounts, as the accounts list orders
        them: whom a session may be recorded as."""
        with self._uow() as uow:
            return [(u.full_name, u.role_title) for u in uow.users.all() if u.active]

    def _practitioner_problems(self, uow, session: TreatmentSession,
                               existing: TreatmentSession | None) -> list[Problem]:
        """The practitioner must be one of the clinic's accounts, by name and role. A
        session keeps the practitioner it was recorded with (e.g. from before accounts);
        a database without accounts (command-line use) has none to choose from."""
        accounts = [(u.full_name, u.role_title) for u in uow.users.all() if u.active]
        chosen = (session.practitioner_name, session.practitioner_role)
        if not accounts or chosen in accounts:
            return []
        if existing is not None and chosen == (existing.practitioner_name,
                                               existing.practitioner_role):
            return []
        names = "; ".join(f"{name} ({role})" if role else name for name, role in accounts)
        return [Problem("practitioner_name",
                        f"Practitioner must be one of the clinic's accounts: {names}. "
                        f"“{session.practitioner_name}” as "
                        f"“{session.practitioner_role}” is not one.")]

    def zone_guidance(self) -> tuple[ZoneGuidance, ...]:
        """The clinic's current depth guidance per zone."""
        with self._uow() as uow:
            return uow.settings.zone_guidance()

    def check(
        self, session: TreatmentSession, patient_id: PatientId,
        guidance: tuple[ZoneGuidance, ...] | None = None,
    ) -> list[Problem]:
        """Every error and warning for `session` of the given patient; saves nothing."""
        with self._uow() as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound(f"No patient with id {patient_id}.")
            guidance = guidance if guidance is not None else uow.settings.zone_guidance()
            course_problems = self._course_problems(uow, patient_id, session)
        return validate_session(session, guidance, patient.fitzpatrick,
                                born=patient.date_of_birth, today=self._today()) + course_problems

    def save(self, patient_id: PatientId, session: TreatmentSession) -> TreatmentSession:
        """Store the whole session (new when `session.id` is None) and return it with its
        id and new version.

        The session and all its zone rows are written in one transaction: on any error
        nothing is written. Raises ValidationError, NotFound, RecordSigned, or StaleRecord
        when the stored session changed elsewhere (or was signed) since it was read at
        `session.version`, naming who and when.
        """
        try:
            return self._save(patient_id, session)
        except VersionConflict:
            raise self._stale(session.id) from None

    def _save(self, patient_id: PatientId, session: TreatmentSession) -> TreatmentSession:
        with self._uow() as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound(f"No patient with id {patient_id}.")
            errors = errors_only(
                validate_session(session, uow.settings.zone_guidance(), patient.fitzpatrick,
                                 born=patient.date_of_birth, today=self._today()))
            errors += self._course_problems(uow, patient_id, session)
            errors += self._practitioner_problems(
                uow, session, uow.sessions.get(session.id) if session.id else None)
            if errors:
                raise ValidationError(errors)
            if session.status is SessionStatus.SIGNED or session.signature is not None:
                raise RecordSigned("A session is signed with the practitioner's password "
                                   "(Sign…), not by saving.")
            now = self._clock()
            if session.id is None:
                session_id = uow.sessions.add(patient_id, session, now)
                version = uow.sessions.get(session_id).version
                self._audit(uow, Action.SESSION_CREATED, patient_id=patient_id,
                            session_id=session_id, status=session.status.value)
            else:
                # No other change between the checks below and the write.
                uow.audit.hold_chain()
                existing = uow.sessions.current(session.id)
                if existing is None or existing.patient_id != patient_id:
                    raise NotFound(f"No session {session.id} for this patient.")
                if existing.version != session.version:
                    raise VersionConflict(f"session {session.id}")
                if existing.is_signed:
                    raise RecordSigned("This session is signed and cannot change; add an "
                                       "addendum instead.")
                version = uow.sessions.update(session, now)
                session_id = session.id
                self._audit(uow, Action.SESSION_CHANGED, patient_id=patient_id,
                            session_id=session_id, status=session.status.value,
                            changes=session_changes(existing, session))
            uow.commit()
        return dataclasses.replace(session, id=session_id, patient_id=patient_id,
                                   version=version)

    def _stale(self, session_id: SessionId, refused: str = "Not saved"):
        """The StaleRecord for a session changed elsewhere, read in a new transaction."""
        with self._uow() as uow:
            stored = uow.sessions.get(session_id)
            return stale_record(
                uow, "session", _SESSION_CHANGES, session_id=session_id,
                patient_id=stored.patient_id if stored else None,
                updated_at=uow.sessions.updated_at(session_id), refused=refused)

    def _course_problems(self, uow, patient_id: PatientId, session: TreatmentSession
                         ) -> list[Problem]:
        """The session's course must exist; coming sooner than its minimum interval after
        the previous session of the course needs a reason."""
        if session.course_number is None:
            return []
        course = uow.courses.get(patient_id, session.course_number)
        if course is None:
            return [Problem("course_number", f"The patient has no course "
                                             f"{session.course_number}.")]
        if course.status is CourseStatus.VOIDED:
            return [Problem("course_number", f"Course {course.number} was voided (opened by "
                                             "mistake); choose another course or none.")]
        earlier = [day for sid, day in uow.courses.session_dates(patient_id, course.number)
                   if sid != session.id and day <= session.session_date]
        problem = interval_problem(earlier[-1] if earlier else None, session.session_date,
                                   course, session.interval_override_reason)
        return [problem] if problem else []

    # -- signing ---------------------------------------------------------------------------
    def signing_problems(self, session_id: SessionId) -> list[Problem]:
        """What stops the session from being signed, in procedure order (empty if none)."""
        with self._uow() as uow:
            session = uow.sessions.get(session_id)
            if session is None:
                raise NotFound(f"No session with id {session_id}.")
            patient = uow.patients.get(session.patient_id)
            version = uow.settings.get(CONSENT_VERSION_KEY) or DEFAULT_CONSENT_VERSION
            consents = uow.consents.for_patient(session.patient_id)
            guidance = uow.settings.zone_guidance()
        if session.is_signed:
            return [Problem("signature", _already_signed(session))]
        problems = [p for p in validate_session(
            dataclasses.replace(session, status=SessionStatus.SIGNED), guidance,
            born=patient.date_of_birth, today=self._today()) if p.is_error]
        problems += [p for p in screen_problems(session.screen, needling_recorded=True)
                     if p not in problems]
        if not any(c.kind == "treatment" and c.text_version == version for c in consents):
            problems.append(Problem(
                "consent", f"Treatment consent on the current consent text (version "
                           f"{version}) is not recorded for this patient."))
        return problems

    def sign(self, session_id: SessionId, password: str,
             version: int | None = None) -> TreatmentSession:
        """Sign the session as the acting practitioner, who confirms with their password.

        Stores the signer, the time and the SHA-256 digest of the canonical record; from
        then on the database refuses any change. A session is signed once: of two
        workstations signing it at the same moment, the second gets RecordSigned naming
        the first signer. With `version` (the version the practitioner is looking at),
        a session changed elsewhere since is refused with StaleRecord rather than signed
        unseen. Raises SignInRefused (wrong password), ValidationError (what is missing,
        in procedure order), RecordSigned or StaleRecord.
        """
        try:
            user = self._accounts.confirm_password(password)
        except SignInRefused as refused:
            self._audit_refused_signature(session_id, str(refused))
            raise
        problems = self.signing_problems(session_id)
        if problems:
            if problems[0].path == "signature":
                raise RecordSigned(problems[0].message)
            raise ValidationError(problems)
        try:
            with self._uow() as uow:
                # Signing queues behind any other change: what is read below is what the
                # signature covers, and another workstation's signature is seen here.
                uow.audit.hold_chain()
                session = uow.sessions.current(session_id)
                if session is None:
                    raise NotFound(f"No session with id {session_id}.")
                if version is not None and session.version != version:
                    raise VersionConflict(f"session {session_id}")
                if session.is_signed:
                    raise RecordSigned(_already_signed(session))
                number = uow.signing.patient_number(session_id)
                # The digest covers the signer and the time too (rule 2); the audit entry
                # holds it, and the row names the entry, so `check` can compare the two.
                signature = make_signature(
                    number, session, username=user.username, name=user.full_name,
                    role=user.role_title, registration=user.registration_number,
                    signed_at=self._clock().replace(microsecond=0))
                entry = self._audit(uow, Action.SESSION_SIGNED,
                                    patient_id=session.patient_id, session_id=session_id,
                                    **signature_details(signature))
                uow.signing.sign(session_id, signature, entry.id, session.version)
                uow.commit()
        except VersionConflict:
            raise self._stale(session_id, "Not signed") from None
        return self.get(session_id)

    def _audit_refused_signature(self, session_id: SessionId, reason: str) -> None:
        """A signature refused for its password is recorded against the session (the
        account's failed check is recorded too, without saying what it was for)."""
        with self._uow() as uow:
            session = uow.sessions.get(session_id)
            self._audit(uow, Action.SIGNATURE_REFUSED,
                        patient_id=session.patient_id if session else None,
                        session_id=session_id if session else None, reason=reason)
            uow.commit()

    def add_addendum(self, session_id: SessionId, reason: str, text: str) -> TreatmentSession:
        """Append a correction to a signed session; the signed record stays as it was."""
        user = self._actor.user
        problems = []
        if not reason.strip():
            problems.append(Problem("reason", "Reason for the addendum is required."))
        if not text.strip():
            problems.append(Problem("text", "Text of the addendum is required."))
        for path, label, value in (("reason", "Reason", reason), ("text", "Text", text)):
            if len(value) > g.LONG_TEXT_MAX:
                problems.append(Problem(path, f"{label} may hold at most "
                                              f"{g.LONG_TEXT_MAX:,} characters."))
        if problems:
            raise ValidationError(problems)
        with self._uow() as uow:
            session = uow.sessions.get(session_id)
            if session is None:
                raise NotFound(f"No session with id {session_id}.")
            if not session.is_signed:
                raise ValidationError([Problem("signature", "Addenda are for signed sessions; "
                                               "a session not yet signed can be edited.")])
            addendum = Addendum(
                self._actor.name, user.printed_name if user else self._actor.name,
                self._clock().replace(microsecond=0), reason, text)
            entry = self._audit(uow, Action.ADDENDUM_ADDED, patient_id=session.patient_id,
                                session_id=session_id, reason=reason,
                                content=addendum_hash(session_id, addendum))
            uow.signing.add_addendum(session_id, addendum, entry.id)
            uow.commit()
        return self.get(session_id)

    def verify(self, session_id: SessionId) -> str | None:
        """None if the session is unsigned or its digest still matches; otherwise a loud
        message, and the mismatch is recorded in the audit log."""
        with self._uow() as uow:
            session = uow.sessions.get(session_id)
            if session is None:
                raise NotFound(f"No session with id {session_id}.")
            if session.signature is None:
                return None
            number = uow.signing.patient_number(session_id)
            if signature_holds(number, session):
                return None
            rule = session.signature.rule
            actual = (session_digest(number, session, session.signature)
                      if rule in DIGEST_RULES else f"unknown digest rule {rule}")
            self._audit(uow, Action.DIGEST_MISMATCH, patient_id=session.patient_id,
                        session_id=session_id, stored=session.signature.digest, actual=actual)
            uow.commit()
        return ("WARNING: this signed record does not match its signature. It was changed "
                "after signing, outside this app. The mismatch has been recorded.")

    def get(self, session_id: SessionId) -> TreatmentSession:
        with self._uow() as uow:
            session = uow.sessions.get(session_id)
        if session is None:
            raise NotFound(f"No session with id {session_id}.")
        return session

    def rows_for_patient(self, patient_id: PatientId) -> list[SessionRow]:
        """The patient's sessions, newest first."""
        with self._uow() as uow:
            return uow.sessions.rows_for_patient(patient_id)

    def for_patient(self, patient_id: PatientId) -> list[TreatmentSession]:
        """Every session of the patient in full, oldest first."""
        with self._uow() as uow:
            return uow.sessions.for_patient(patient_id)


def _already_signed(session: TreatmentSession) -> str:
    signature = session.signature
    return (f"This session was already signed by {signature.signer_name} "
            f"({signature.signer_username}) on {when_text(signature.signed_at)}; a signed "
            "session is signed once and cannot change (add an addendum instead).")
