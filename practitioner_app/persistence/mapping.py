"""Between table rows and domain records.

Session step columns follow the `<step>_<field>` convention of models.SessionRecord, so one
loop maps every step; a field added to a step dataclass without a column fails loudly here
and in the model/migration drift test.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from functools import cache
from operator import attrgetter

from ..domain.ids import PatientId, SessionId
from ..domain.patient import Patient, search_key
from ..domain.screening import ScreenAnswer
from ..domain.session import STEPS, Needling, TreatmentSession, ZoneTreatment
from ..domain.signing import Addendum, ImportProvenance, Signature
from .models import PatientRecord, ScreenAnswerRecord, SessionRecord, ZoneRecord

#: The row's own bookkeeping, never copied from a record onto its row: the version is
#: raised by the ORM on each update (models.py).
_ROW_FIELDS = frozenset({"id", "version"})
_PATIENT_FIELDS = [f.name for f in dataclasses.fields(Patient) if f.name not in _ROW_FIELDS]
_ZONE_FIELDS = [f.name for f in dataclasses.fields(ZoneTreatment)]
_SCREEN_FIELDS = [f.name for f in dataclasses.fields(ScreenAnswer)]


def patient_search_key(full_name: str, number: str) -> str:
    return f"{search_key(full_name)} {search_key(number)}"


def patient_to_record(patient: Patient, record: PatientRecord, now: datetime) -> None:
    for name in _PATIENT_FIELDS:
        setattr(record, name, getattr(patient, name))
    record.search_key = patient_search_key(patient.full_name, patient.number)
    record.created_at = record.created_at or now
    record.updated_at = now


def patient_from_record(record: PatientRecord) -> Patient:
    return Patient(id=PatientId(record.id), version=record.version or 0,
                   **{n: getattr(record, n) for n in _PATIENT_FIELDS})


@cache
def _step_fields(step_cls: type) -> tuple[str, ...]:
    # Asked once per class: dataclasses.fields() for every step of every session read
    # cost `check` a sixth of its time.
    return tuple(f.name for f in dataclasses.fields(step_cls) if f.name != "zones")


def session_to_record(session: TreatmentSession, record: SessionRecord, now: datetime) -> None:
    record.session_date = session.session_date
    record.status = session.status
    record.course_number = session.course_number
    record.interval_override_reason = session.interval_override_reason
    record.expired_lot_reason = session.expired_lot_reason
    record.practitioner_name = session.practitioner_name
    record.practitioner_role = session.practitioner_role
    for step, _heading in STEPS:
        value = getattr(session, step)
        for name in _step_fields(type(value)):
            setattr(record, f"{step}_{name}", getattr(value, name))
    record.zones = _children(record.zones, session.needling.zones, ZoneRecord, _ZONE_FIELDS)
    record.screen = _children(record.screen, session.screen, ScreenAnswerRecord,
                              _SCREEN_FIELDS)
    record.created_at = record.created_at or now
    record.updated_at = now


def _children(kept_rows: list, values, record_cls, fields: list[str]) -> list:
    """Child rows for `values`, reusing existing rows by position: replacing them would
    insert the new rows before the ORM deletes the old ones and break the unique
    (session_id, position) constraint. Rows beyond the new count become orphans and are
    deleted."""
    kept = list(kept_rows)
    rows = []
    for i, value in enumerate(values):
        row = kept[i] if i < len(kept) else record_cls(position=i)
        for name in fields:
            setattr(row, name, getattr(value, name))
        rows.append(row)
    return rows


def signature_from_record(record: SessionRecord) -> Signature | None:
    if record.signed_at is None:
        return None
    imported = None
    if record.imported_at is not None:
        imported = ImportProvenance(record.imported_from or "", record.imported_at,
                                    record.imported_by or "")
    return Signature(record.signer_username or "", record.signer_name or "",
                     record.signer_role or "", record.signer_registration or "",
                     record.signed_at, record.digest or "", record.digest_rule or 1,
                     imported)


def session_from_record(record: SessionRecord) -> TreatmentSession:
    """The session `record` holds (a SessionRecord, or any row with its attributes)."""
    steps = {step: step_cls(*read(record)) for step, step_cls, read in _STEP_READERS}
    # Zones come last in Needling: were another field after them, the values passed by
    # position would clash with `zones` and the call would fail, not mix them up.
    steps["needling"] = Needling(*_read_needling(record), zones=tuple(
        ZoneTreatment(*_read_zone(z)) for z in record.zones))
    return TreatmentSession(
        id=SessionId(record.id),
        patient_id=PatientId(record.patient_id),
        version=record.version or 0,
        session_date=record.session_date,
        status=record.status,
        practitioner_name=record.practitioner_name,
        practitioner_role=record.practitioner_role,
        course_number=record.course_number,
        interval_override_reason=record.interval_override_reason,
        expired_lot_reason=record.expired_lot_reason,
        screen=tuple(ScreenAnswer(*_read_screen(a)) for a in record.screen),
        signature=signature_from_record(record),
        addenda=tuple(Addendum(a.author_username, a.author_name, a.created_at, a.reason,
                               a.text) for a in record.addenda),
        **steps,
    )


_STEP_CLASSES: dict[str, type] = {
    step: typing.get_type_hints(TreatmentSession)[step] for step, _ in STEPS
}


def _reader(columns) -> typing.Callable[[typing.Any], tuple]:
    """Reads `columns` of a row as a tuple in one call (attrgetter is C), in field order,
    so that the values build a record by position; a missing column raises
    AttributeError as reading it by name did."""
    columns = tuple(columns)
    if len(columns) == 1:  # attrgetter of one name gives the bare value, not a tuple
        return lambda row: (getattr(row, columns[0]),)
    return attrgetter(*columns)


# Readers worked out once: a session is read field by field for every one of a clinic's
# signed sessions by `check`. A row's values are passed by position in field order
# (every field of these classes is an __init__ parameter), which builds the same record
# as passing them by name, more quickly.
_STEP_READERS = tuple(
    (step, cls, _reader(f"{step}_{name}" for name in _step_fields(cls)))
    for step, cls in _STEP_CLASSES.items() if cls is not Needling)
_read_needling = _reader(f"needling_{name}" for name in _step_fields(Needling))
_read_zone = _reader(_ZONE_FIELDS)
_read_screen = _reader(_SCREEN_FIELDS)


# Plain column dicts for bulk inserts with SQLAlchemy Core (`insert(table)` executemany),
# which skip the ORM's per-object bookkeeping; same columns as the *_to_record functions.


def patient_row_values(patient: Patient, now: datetime) -> dict:
    """`patient` as a patients-table row (without `id`), search key filled as on save."""
    values = {name: getattr(patient, name) for name in _PATIENT_FIELDS}
    values["search_key"] = patient_search_key(patient.full_name, patient.number)
    values["created_at"] = values["updated_at"] = now
    return values


def session_row_values(session: TreatmentSession, now: datetime) -> dict:
    """`session` as a treatment_sessions row (without `id` and `patient_id`)."""
    values = {
        "session_date": session.session_date,
        "status": session.status,
        "practitioner_name": session.practitioner_name,
        "practitioner_role": session.practitioner_role,
        "course_number": session.course_number,
        "interval_override_reason": session.interval_override_reason,
        "expired_lot_reason": session.expired_lot_reason,
        "created_at": now,
        "updated_at": now,
    }
    for step, columns in _STEP_COLUMNS:
        value = getattr(session, step)
        for name, column in columns:
            values[column] = getattr(value, name)
    return values


def screen_row_values(answer: ScreenAnswer, position: int) -> dict:
    """One screen answer row (without `id` and `session_id`) at `position`."""
    values = {name: getattr(answer, name) for name in _SCREEN_FIELDS}
    values["position"] = position
    return values


def zone_row_values(zone: ZoneTreatment, position: int) -> dict:
    """One zone row (without `id` and `session_id`) at `position` within its session."""
    values = {name: getattr(zone, name) for name in _ZONE_FIELDS}
    values["position"] = position
    return values


# (step, [(field, column), ...]) computed once: bulk inserts map ~50,000 sessions.
_STEP_COLUMNS: list[tuple[str, list[tuple[str, str]]]] = [
    (step, [(name, f"{step}_{name}") for name in _step_fields(cls)])
    for step, cls in _STEP_CLASSES.items()
]
