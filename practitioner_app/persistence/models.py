"""Typed table models. Session step columns are named `<step>_<field>` after the domain
dataclasses, which lets the repository map them without a hand-written line per field.

Foreign keys never cascade from patients: health records are archived, not erased.

Patients, sessions, courses and clinic settings carry a `version`, which SQLAlchemy adds
one to on every UPDATE and checks in that UPDATE's WHERE clause (`version_id_col`): a
workstation that read a row before another one changed it writes nothing and gets
StaleDataError, instead of silently undoing the other change.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, MetaData, UniqueConstraint, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..domain.course import CourseStatus
from ..domain.enums import (
    Bleeding,
    Concern,
    DeviceType,
    FacialZone,
    Fitzpatrick,
    Oedema,
    SessionStatus,
    Sex,
    Tolerance,
)
from ..domain.screening import ScreenSeverity
from .types import EnumSetText, EnumText

# Named constraints, so batch migrations can find and alter them later.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class PatientRecord(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(unique=True)
    full_name: Mapped[str]
    # Case- and accent-folded "name number", so search needs no per-row Python.
    search_key: Mapped[str]
    date_of_birth: Mapped[date]
    sex: Mapped[Sex] = mapped_column(EnumText(Sex))
    fitzpatrick: Mapped[Fitzpatrick] = mapped_column(EnumText(Fitzpatrick))
    phone: Mapped[str]
    email: Mapped[str]
    address: Mapped[str]
    concerns: Mapped[frozenset[Concern]] = mapped_column(EnumSetText(Concern))
    concerns_other: Mapped[str]
    medical_history: Mapped[str]
    medications: Mapped[str]
    allergies: Mapped[str]
    goals: Mapped[str]
    assessment: Mapped[str]
    plan: Mapped[str]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]
    archive_reason: Mapped[str] = mapped_column(server_default="")
    #: Raised by one on every update (optimistic concurrency; see the module's notes).
    version: Mapped[int] = mapped_column(server_default="0")

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        Index("ix_patients_search_key", "search_key"),
        # The default list hides archived patients: this index serves that filter and the
        # name order together, without a lookup per matching patient.
        Index("ix_patients_archived_search", "archived_at", "search_key"),
        # The number suggestion seeks the longest numbers, highest first, here.
        Index("ix_patients_number_length", func.length(text("number")), "number"),
    )


class SessionRecord(Base):
    __tablename__ = "treatment_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    session_date: Mapped[date]
    status: Mapped[SessionStatus] = mapped_column(EnumText(SessionStatus))
    practitioner_name: Mapped[str]
    practitioner_role: Mapped[str]

    pre_checks_sun_avoided: Mapped[bool]
    pre_checks_retinoids_paused: Mapped[bool]
    pre_checks_no_waxing: Mapped[bool]
    pre_checks_skin_clean: Mapped[bool]
    pre_checks_consent_signed: Mapped[bool]
    pre_checks_photo_consent: Mapped[bool]
    pre_checks_baseline_photos: Mapped[bool]
    pre_checks_done_at: Mapped[time | None]
    pre_checks_note: Mapped[str]

    cleansing_product: Mapped[str]
    cleansing_antiseptic: Mapped[str]
    cleansing_done_at: Mapped[time | None]

    numbing_used: Mapped[bool]
    numbing_agent: Mapped[str]
    numbing_lot: Mapped[str]
    numbing_applied_at: Mapped[time | None]
    numbing_removed_at: Mapped[time | None]
    numbing_not_used_reason: Mapped[str]
    numbing_expiry: Mapped[date | None]

    needling_device_type: Mapped[DeviceType | None] = mapped_column(EnumText(DeviceType))
    needling_device_make: Mapped[str]
    needling_device_model: Mapped[str]
    needling_device_serial: Mapped[str]
    needling_cartridge_needles: Mapped[int | None]
    needling_cartridge_lot: Mapped[str]
    needling_cartridge_expiry: Mapped[date | None]
    needling_single_use_confirmed: Mapped[bool]
    needling_started_at: Mapped[time | None]

    serum_product: Mapped[str]
    serum_lot: Mapped[str]
    serum_amount: Mapped[str]
    serum_done_at: Mapped[time | None]
    serum_expiry: Mapped[date | None]

    sunscreen_product: Mapped[str]
    sunscreen_spf: Mapped[int | None]
    sunscreen_deferred: Mapped[bool]
    sunscreen_deferred_reason: Mapped[str]
    sunscreen_done_at: Mapped[time | None]

    aftercare_given: Mapped[bool]
    aftercare_instructions: Mapped[str]
    aftercare_next_appointment: Mapped[date | None]
    aftercare_next_appointment_time: Mapped[time | None]
    aftercare_done_at: Mapped[time | None]

    outcome_tolerance: Mapped[Tolerance | None] = mapped_column(EnumText(Tolerance))
    outcome_adverse_events: Mapped[str]
    outcome_total_minutes: Mapped[int | None]
    outcome_notes: Mapped[str]

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    course_number: Mapped[int | None]
    interval_override_reason: Mapped[str] = mapped_column(server_default="")
    expired_lot_reason: Mapped[str] = mapped_column(server_default="")

    # Set once, by signing; triggers refuse any later change to the row or its children.
    signed_at: Mapped[datetime | None]
    signer_username: Mapped[str | None]
    signer_name: Mapped[str | None]
    signer_role: Mapped[str | None]
    signer_registration: Mapped[str | None]
    digest: Mapped[str | None]
    #: The digest rule (domain.signing); 1 for signatures made before rule 2.
    digest_rule: Mapped[int | None]
    #: The audit entry that recorded the signature (NULL for signatures made before
    #: entries were linked: `check` matches those by the session's "session signed" entry).
    signed_audit_id: Mapped[int | None]
    #: Set when the signature was imported from another database.
    imported_from: Mapped[str | None]
    imported_at: Mapped[datetime | None]
    imported_by: Mapped[str | None]
    #: Raised by one on every update, signing included (see the module's notes).
    version: Mapped[int] = mapped_column(server_default="0")

    __mapper_args__ = {"version_id_col": version}

    zones: Mapped[list[ZoneRecord]] = relationship(
        order_by="ZoneRecord.position", cascade="all, delete-orphan", lazy="selectin")
    screen: Mapped[list[ScreenAnswerRecord]] = relationship(
        order_by="ScreenAnswerRecord.position", cascade="all, delete-orphan", lazy="selectin")
    addenda: Mapped[list[AddendumRecord]] = relationship(
        order_by="AddendumRecord.id", lazy="selectin")

    __table_args__ = (
        Index("ix_treatment_sessions_patient_date", "patient_id", "session_date"),
        # A course's given sessions, counted and dated from the index alone (the due list,
        # the triggers that keep each course's due day): no session row is read.
        Index("ix_treatment_sessions_course", "patient_id", "course_number", "status",
              "session_date"),
        # Lot recall: each lot column indexed, so an OR over the three uses all three.
        Index("ix_treatment_sessions_serum_lot", "serum_lot"),
        Index("ix_treatment_sessions_numbing_lot", "numbing_lot"),
        Index("ix_treatment_sessions_cartridge_lot", "needling_cartridge_lot"),
    )


class ZoneRecord(Base):
    __tablename__ = "zone_treatments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"))
    position: Mapped[int]
    zone: Mapped[FacialZone] = mapped_column(EnumText(FacialZone))
    depth_mm: Mapped[float]
    passes: Mapped[int]
    speed: Mapped[str]
    technique: Mapped[str]
    erythema: Mapped[int | None]
    bleeding: Mapped[Bleeding | None] = mapped_column(EnumText(Bleeding))
    oedema: Mapped[Oedema | None] = mapped_column(EnumText(Oedema))
    rf_energy: Mapped[str]
    rf_pulse_ms: Mapped[float | None]
    note: Mapped[str]

    __table_args__ = (UniqueConstraint("session_id", "position"),)


class CourseRecord(Base):
    """A planned series of sessions; sessions refer to it by (patient, number)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="RESTRICT"))
    number: Mapped[int]
    started_on: Mapped[date]
    planned_sessions: Mapped[int]
    min_interval_days: Mapped[int]
    indications: Mapped[frozenset[Concern]] = mapped_column(EnumSetText(Concern))
    target_zones: Mapped[frozenset[FacialZone]] = mapped_column(EnumSetText(FacialZone))
    notes: Mapped[str]
    status: Mapped[CourseStatus] = mapped_column(EnumText(CourseStatus))
    stopped_reason: Mapped[str]
    #: Raised by one on every update (see the module's notes).
    version: Mapped[int] = mapped_column(server_default="0")
    #: When the next session is due while the course is open and sessions remain (else
    #: None). Kept by triggers (course_due.py), never written by the app.
    due_on: Mapped[date | None]

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        UniqueConstraint("patient_id", "number"),
        # The due list: soonest first, only as far as it shows.
        Index("ix_courses_due_on", "due_on"),
    )


class ScreenAnswerRecord(Base):
    """One screen question as asked at a visit (wording and severity copied)."""

    __tablename__ = "screen_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"))
    position: Mapped[int]
    item: Mapped[str]
    severity: Mapped[ScreenSeverity] = mapped_column(EnumText(ScreenSeverity))
    window: Mapped[str]
    present: Mapped[bool | None]
    last_occurrence: Mapped[date | None]
    note: Mapped[str]
    override_reason: Mapped[str]

    __table_args__ = (UniqueConstraint("session_id", "position"),)


class AddendumRecord(Base):
    """Append-only: a trigger refuses UPDATE and DELETE."""

    __tablename__ = "addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="RESTRICT"), index=True)
    author_username: Mapped[str]
    author_name: Mapped[str]
    created_at: Mapped[datetime]
    reason: Mapped[str]
    text: Mapped[str]
    #: The audit entry that recorded the addendum (its details hold the content hash).
    audit_id: Mapped[int | None]


class ContraindicationRuleRecord(Base):
    """The clinic's screen, seeded from DOMAIN and edited by an administrator."""

    __tablename__ = "contraindication_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str]
    severity: Mapped[ScreenSeverity] = mapped_column(EnumText(ScreenSeverity))
    window: Mapped[str]
    position: Mapped[int]
    active: Mapped[bool]


class ConsentRecord(Base):
    """Consents are appended, never changed: a trigger refuses UPDATE and DELETE."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str]
    text_version: Mapped[str]
    consent_date: Mapped[date]
    witnessed_by: Mapped[str]
    recorded_by: Mapped[str]
    recorded_at: Mapped[datetime]
    #: The audit entry that recorded the consent (its details hold the content hash).
    audit_id: Mapped[int | None]


class UserRecord(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(unique=True)
    full_name: Mapped[str]
    role_title: Mapped[str]
    registration_number: Mapped[str]
    is_admin: Mapped[bool]
    active: Mapped[bool]
    password_hash: Mapped[str]  # Argon2id, never the password
    failed_attempts: Mapped[int]
    last_failed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class AuditRecord(Base):
    """Append-only, hash-chained log. AUTOINCREMENT: ids are never reused, so a removed
    entry leaves a gap that verification reports."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    username: Mapped[str]
    action: Mapped[str]
    patient_id: Mapped[int | None] = mapped_column(index=True)
    session_id: Mapped[int | None]
    details: Mapped[str]  # canonical JSON
    prev_hash: Mapped[str]
    hash: Mapped[str]

    __table_args__ = (
        # The trail is listed newest first by the time recorded, then by number, a page
        # at a time (persistence/audit_pages.py): each index serves one filter with or
        # without a date range, in that order, so no page sorts or reads the whole trail.
        Index("ix_audit_log_at", "at", "id"),
        Index("ix_audit_log_patient_at", "patient_id", "at", "id"),
        Index("ix_audit_log_username_at", "username", "at", "id"),
        Index("ix_audit_log_action_at", "action", "at", "id"),
        {"sqlite_autoincrement": True},
    )


class ZoneGuidanceRecord(Base):
    """The clinic's editable depth guidance, seeded from DOMAIN defaults."""

    __tablename__ = "zone_guidance"

    zone: Mapped[FacialZone] = mapped_column(EnumText(FacialZone), primary_key=True)
    typical_min_mm: Mapped[float]
    typical_max_mm: Mapped[float]
    warn_above_mm: Mapped[float]


class ClinicSettingRecord(Base):
    """Clinic-wide settings an administrator edits (letterhead, aftercare text...)."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]
    #: Raised by one each time the value changes (see the module's notes).
    version: Mapped[int] = mapped_column(server_default="0")

    __mapper_args__ = {"version_id_col": version}
