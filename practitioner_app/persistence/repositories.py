"""Queries, one repository per aggregate. Lists return plain rows, never ORM entities:
materialising entities costs ~8x more than tuples at clinic scale (PITFALLS 7).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import column, func, select, table, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..domain.errors import DuplicatePatientNumber
from ..domain.guidance import ZoneGuidance
from ..domain.ids import PatientId, SessionId
from ..domain.patient import Patient, PatientRow, search_key
from ..domain.session import SessionRow, TreatmentSession
from . import search_index
from .mapping import patient_from_record, patient_to_record, session_from_record, session_to_record
from .models import (
    ClinicSettingRecord,
    PatientRecord,
    SessionRecord,
    ZoneGuidanceRecord,
    ZoneRecord,
)

_IN_CHUNK = 10_000
#: How many of the longest P-numbers the number suggestion compares.
_NUMBERS_COMPARED = 50


class VersionConflict(Exception):
    """The row was changed by someone else since the record being saved was read (its
    version moved on), or between this transaction's read and its write. Nothing of the
    write is kept; the caller's transaction must be rolled back."""


def flush_checked(session: Session) -> None:
    """Flush, the version check of each UPDATE (models.py) raising VersionConflict."""
    try:
        session.flush()
    except StaleDataError as error:
        raise VersionConflict(str(error)) from error


def check_version(stored: int | None, read: int) -> None:
    """Refuse a write based on a read of version `read` when the row is at `stored`."""
    if (stored or 0) != read:
        raise VersionConflict(f"stored version {stored}, read at version {read}")


def _is_number_taken(error: IntegrityError) -> bool:
    """Whether the constraint `error` broke is the patient number's uniqueness (SQLite
    names the column, PostgreSQL the constraint)."""
    text = str(error.orig)
    return "uq_patients_number" in text or "patients.number" in text


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: The patient search index's table, to join (search_index.py).
_SEARCH_INDEX = table(search_index.TABLE, column("rowid"))
#: A word found in more than this share of all patients is not narrowed by the index:
#: looking each candidate up and sorting them by name then costs about as much as
#: reading the name index in order (measured: the same near 9,500 of 50,000 patients;
#: 0.5 ms against 3.2 for 443), and the ordered read never sorts.
_WALK_ABOVE_SHARE = 1 / 8


class _SearchPlanner:
    """Chooses how a search on a file reads: narrowed by the trigram index, or the name
    index read in order. Asks the index's term list (fts5vocab) how many patients hold
    each piece of each word; a count never falls short of the patients that match."""

    def __init__(self, session: Session) -> None:
        self._raw = session.connection().connection.driver_connection
        highest = self._raw.execute("SELECT max(id) FROM patients").fetchone()[0] or 0
        self._dense = max(1, int(highest * _WALK_ABOVE_SHARE))

    def narrowing(self, words: list[str]) -> str | None:
        """The FTS5 query whose matches include every patient matching all `words`
        (a word in no key: that word alone, which the index answers with nobody); None
        when the name index should be read in order instead (every word common, or a
        word the index cannot take)."""
        best: tuple[int, str] | None = None
        long_words = []
        for word in map(search_index.as_indexed, words):
            if "\x00" in word:  # FTS5 reads a query only up to a NUL
                return None
            if len(word) >= 3:
                phrase = search_index.phrase(word)
                long_words.append(phrase)
                count = self._long_word_count(word)
            else:
                pieces, count = self._pieces_beginning(word)
                phrase = "(" + " OR ".join(map(search_index.phrase, pieces)) + ")"
            if count == 0:  # a short word begins no piece: its phrase has no piece either
                return search_index.phrase(word)
            if best is None or count < best[0]:
                best = (count, phrase)
        if best is None or best[0] > self._dense:
            return None
        parts = long_words if best[1] in long_words else [*long_words, best[1]]
        return " AND ".join(parts)

    def _count(self, piece: str) -> int:
        row = self._raw.execute(f"SELECT doc FROM {search_index.TERMS} WHERE term = ?",
                                (piece,)).fetchone()
        return 0 if row is None else row[0]

    def _long_word_count(self, word: str) -> int:
        """At least the number of patients holding `word` (3+ characters): the least
        count of its first, middle and last pieces (each count reads that piece's list
        in the index, so not every piece is asked)."""
        pieces = search_index.trigrams(word)
        asked = {pieces[0], pieces[len(pieces) // 2], pieces[-1]}
        return min(self._count(piece) for piece in asked)

    def _pieces_beginning(self, word: str) -> tuple[list[str], int]:
        """The pieces that begin with `word` (1 or 2 characters) and their summed
        counts, at least the number of patients holding `word` (each key is followed by
        padding, so every place the word occurs begins a piece); the listing stops once
        the sum is past the point where the name index is read instead."""
        pieces, count = [], 0
        rows = self._raw.execute(
            f"SELECT term, doc FROM {search_index.TERMS} WHERE term >= ?", (word,))
        try:
            for term, docs in rows:
                if not term.startswith(word) or count > self._dense:
                    break
                pieces.append(term)
                count += docs
        finally:
            rows.close()
        return pieces, count


class PatientRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, patient: Patient, now: datetime) -> PatientId:
        """Insert `patient`. A number another patient has (one registered by another
        workstation at the same moment included) raises DuplicatePatientNumber; on
        PostgreSQL the transaction is then aborted, so the caller must end it."""
        record = PatientRecord()
        patient_to_record(patient, record, now)
        self._s.add(record)
        self._flush(patient.number)
        return PatientId(record.id)

    def update(self, patient: Patient, now: datetime) -> int:
        """Write `patient` over its row, provided the row is still at the version the
        patient was read at (else VersionConflict, nothing written); returns the row's
        new version."""
        record = self._s.get(PatientRecord, patient.id, populate_existing=True)
        if record is None:
            raise LookupError(patient.id)
        check_version(record.version, patient.version)
        patient_to_record(patient, record, now)
        self._flush(patient.number)
        return record.version

    def _flush(self, number: str) -> None:
        try:
            flush_checked(self._s)
        except IntegrityError as error:
            if _is_number_taken(error):
                raise DuplicatePatientNumber(
                    f"Patient number {number} is already used by another patient.") from error
            raise

    def get(self, patient_id: PatientId) -> Patient | None:
        record = self._s.get(PatientRecord, patient_id)
        return None if record is None else patient_from_record(record)

    def updated_at(self, patient_id: PatientId) -> datetime | None:
        """When the patient's row was last written (None: no such patient)."""
        return self._s.scalar(select(PatientRecord.updated_at)
                              .where(PatientRecord.id == patient_id))

    def id_for_number(self, number: str) -> PatientId | None:
        found = self._s.scalar(select(PatientRecord.id).where(PatientRecord.number == number))
        return None if found is None else PatientId(found)

    def search_ids(self, query: str, limit: int | None = None,
                   include_archived: bool = False) -> list[PatientId]:
        """Ids of patients whose name or number contains every word of `query`,
        in folded-name order; archived patients only when asked for.

        What matches is always decided by `LIKE '%word%'` on the folded key. On a file the
        trigram index (search_index.py) first narrows the patients to those that can
        match, when a word is rare enough; else the folded-name index is read in order,
        which costs about as much as handing back the many matches does. On a server the
        pg_trgm index (migration 0007) serves the same LIKE.

        Runs on every key press and returns every match (50,000 ids for an empty query),
        so ids are taken from the driver's rows without SQLAlchemy's per-row objects
        (11 ms instead of 50 for 50,000 ids)."""
        patients = PatientRecord.__table__.c
        words = list(dict.fromkeys(search_key(query).split()))
        stmt = select(patients.id).order_by(patients.search_key, patients.id)
        if not include_archived:
            stmt = stmt.where(patients.archived_at.is_(None))
        for word in words:
            stmt = stmt.where(patients.search_key.like(f"%{_like_escape(word)}%", escape="\\"))
        if limit is not None:
            stmt = stmt.limit(limit)
        if words and self._s.get_bind().dialect.name == "sqlite":
            match = _SearchPlanner(self._s).narrowing(words)
            if match is not None:
                stmt = stmt.join_from(_SEARCH_INDEX, PatientRecord.__table__,
                                      _SEARCH_INDEX.c.rowid == patients.id).where(
                    text(f"{search_index.TABLE} MATCH :match").bindparams(match=match))
        result = self._s.execute(stmt)
        try:  # the driver's own rows: no Row object per id
            return [row[0] for row in result.cursor.fetchall()]  # PatientId is an int
        finally:
            result.close()

    def rows(self, ids: list[PatientId]) -> list[PatientRow]:
        """List rows for `ids`, in the order given; unknown ids are skipped."""
        last = (
            select(func.max(SessionRecord.session_date))
            .where(SessionRecord.patient_id == PatientRecord.id)
            .scalar_subquery()
        )
        columns = (PatientRecord.id, PatientRecord.number, PatientRecord.full_name,
                   PatientRecord.date_of_birth, PatientRecord.fitzpatrick, last,
                   PatientRecord.archived_at.is_not(None))
        found = {}
        # SQLite caps bound parameters per statement (32,766), so ask in chunks.
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start:start + _IN_CHUNK]
            for r in self._s.execute(select(*columns).where(PatientRecord.id.in_(chunk))):
                found[r[0]] = PatientRow(PatientId(r[0]), *r[1:])
        return [found[i] for i in ids if i in found]

    def next_number(self) -> str:
        """A free patient number of the form P000123, one above the highest such number
        among the 50 longest numbers starting with P (longest first, then highest).

        Sought through the (length(number), number) index one length at a time, longest
        first: a few rows read whatever the number of patients, where ordering by
        length read and sorted every number (19 ms at 50,000 patients)."""
        number = PatientRecord.number
        length = func.length(number)
        p_numbers = (number >= "P", number < "Q", number.like("P%"))
        found: list[str] = []
        longest = self._s.scalar(select(func.max(length)))
        while longest is not None and len(found) < _NUMBERS_COMPARED:
            found += self._s.scalars(
                select(number).where(length == longest, *p_numbers)
                .order_by(number.desc()).limit(_NUMBERS_COMPARED - len(found)))
            longest = self._s.scalar(select(func.max(length)).where(length < longest))
        highest = max((int(n[1:]) for n in found if n[1:].isdigit()), default=0)
        return f"P{highest + 1:06d}"

    def count(self) -> int:
        return self._s.scalar(select(func.count(PatientRecord.id))) or 0

    def listed_count(self, include_archived: bool = False) -> int:
        """How many ids `search_ids("")` returns: every patient, or those not archived."""
        stmt = select(func.count(PatientRecord.id))
        if not include_archived:
            stmt = stmt.where(PatientRecord.archived_at.is_(None))
        return self._s.scalar(stmt) or 0


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, patient_id: PatientId, record_in: TreatmentSession, now: datetime) -> SessionId:
        record = SessionRecord(patient_id=patient_id)
        session_to_record(record_in, record, now)
        self._s.add(record)
        self._s.flush()
        return SessionId(record.id)

    def update(self, session: TreatmentSession, now: datetime) -> int:
        """Write `session` over its row, provided the row is still at the version the
        session was read at (else VersionConflict, nothing written); returns the row's
        new version."""
        record = self._s.get(SessionRecord, session.id, populate_existing=True)
        if record is None:
            raise LookupError(session.id)
        check_version(record.version, session.version)
        session_to_record(session, record, now)
        flush_checked(self._s)
        return record.version

    def get(self, session_id: SessionId) -> TreatmentSession | None:
        record = self._s.get(SessionRecord, session_id)
        return None if record is None else session_from_record(record)

    def current(self, session_id: SessionId) -> TreatmentSession | None:
        """The session as stored now, read again even if this transaction read it
        before (another workstation may have changed it since)."""
        record = self._s.get(SessionRecord, session_id, populate_existing=True)
        return None if record is None else session_from_record(record)

    def updated_at(self, session_id: SessionId) -> datetime | None:
        """When the session's row was last written (None: no such session)."""
        return self._s.scalar(select(SessionRecord.updated_at)
                              .where(SessionRecord.id == session_id))

    def for_patient(self, patient_id: PatientId) -> list[TreatmentSession]:
        """Every session of a patient, oldest first (the order a series is read in)."""
        records = self._s.scalars(
            select(SessionRecord).where(SessionRecord.patient_id == patient_id)
            .order_by(SessionRecord.session_date, SessionRecord.id))
        return [session_from_record(r) for r in records]

    def position_in_series(self, session: TreatmentSession) -> tuple[int, int]:
        """(k, n): `session` is the k-th of its patient's n sessions, oldest first (the
        order of `for_patient`). Counted on the (patient_id, session_date) index, without
        loading the series."""
        of_patient = SessionRecord.patient_id == session.patient_id
        before = (SessionRecord.session_date < session.session_date) | (
            (SessionRecord.session_date == session.session_date)
            & (SessionRecord.id <= session.id))
        count = select(func.count(SessionRecord.id)).where(of_patient)
        return self._s.scalar(count.where(before)) or 0, self._s.scalar(count) or 0

    def rows_for_patient(self, patient_id: PatientId) -> list[SessionRow]:
        """A patient's sessions, newest first, as list rows."""
        # Join the zone rows of this patient's sessions only (by the (session_id, position)
        # index) and count them per session. Aggregating zone_treatments in a subquery first
        # read every zone row in the database: 130 ms per patient at 50,000 sessions.
        stmt = (
            select(SessionRecord.id, SessionRecord.session_date, SessionRecord.status,
                   SessionRecord.needling_device_type, func.count(ZoneRecord.id),
                   func.max(ZoneRecord.depth_mm), SessionRecord.practitioner_name)
            .outerjoin(ZoneRecord, ZoneRecord.session_id == SessionRecord.id)
            .where(SessionRecord.patient_id == patient_id)
            .group_by(SessionRecord.id)
            .order_by(SessionRecord.session_date.desc(), SessionRecord.id.desc())
        )
        return [SessionRow(SessionId(r[0]), *r[1:]) for r in self._s.execute(stmt)]


class SettingsRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def zone_guidance(self) -> tuple[ZoneGuidance, ...]:
        rows = self._s.scalars(select(ZoneGuidanceRecord))
        return tuple(
            ZoneGuidance(r.zone, r.typical_min_mm, r.typical_max_mm, r.warn_above_mm)
            for r in rows)

    def get(self, key: str, default: str = "") -> str:
        record = self._s.get(ClinicSettingRecord, key)
        return default if record is None else record.value

    def put(self, key: str, value: str) -> None:
        self._s.merge(ClinicSettingRecord(key=key, value=value))
        flush_checked(self._s)

    def versions(self, keys: Iterable[str]) -> dict[str, int]:
        """The stored version of each of `keys` (0 for a key never set), read afresh."""
        keys = list(keys)
        found = dict(self._s.execute(
            select(ClinicSettingRecord.key, ClinicSettingRecord.version)
            .where(ClinicSettingRecord.key.in_(keys))).all())
        return {key: found.get(key, 0) for key in keys}
