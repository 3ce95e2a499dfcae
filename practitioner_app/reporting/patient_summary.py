"""The patient summary: details, consultation, the depth chart and every session.

Guarantees beyond those of `document.render`: sessions print oldest first (by date,
ties in the order given); the session table's header row repeats on every page it spans;
the document grows to as many pages as the series needs.
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether

from practitioner_app.domain.enums import Concern
from practitioner_app.domain.session import TreatmentSession

from . import styles
from .blocks import (
    Field,
    data_table,
    field_grid,
    full_width_fields,
    integrity_warnings,
    para,
    patient_identity,
    pih_caution,
    table_start,
)
from .data import PatientSummaryData
from .depth_chart import depth_chart
from .document import pdf_builder, render
from .layout import CONTENT_WIDTH
from .page import PageFurniture, patient_line
from .text import fmt_date, fmt_datetime, fmt_depth, one_line

TITLE = "Patient summary"

# Session table columns (heading, width in mm); "Zones" takes what is left.
_COLUMNS = (
    ("#", 7), ("Date", 18), ("Device", 27), ("Zones", 0), ("Deepest (mm)", 15),
    ("Serum", 30), ("Practitioner", 24), ("Status", 18),
)


@pdf_builder
def build_patient_summary(data: PatientSummaryData) -> bytes:
    """The summary as PDF bytes; the same `data` always gives the same bytes."""
    sessions = sorted(data.sessions, key=lambda s: s.session_date)
    furniture = PageFurniture(
        clinic=data.clinic,
        title=TITLE,
        patient_fields=patient_line(data.patient),
        generated_at=data.generated_at,
    )
    title, subtitle, *details = _patient(data, sessions)
    story = [title, subtitle, *integrity_warnings(data.integrity_warnings), *details,
             *_session_table(sessions), *_imported(sessions), *_chart(sessions)]
    return render(story, furniture)


def _patient(data: PatientSummaryData, sessions: list[TreatmentSession]) -> list[Flowable]:
    patient = data.patient
    span = f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}"
    if sessions:
        first, last = sessions[0].session_date, sessions[-1].session_date
        span += f", {fmt_date(first)}" + (f" to {fmt_date(last)}" if last != first else "")
    # Concerns in the vocabulary's order, so the same set always prints the same way.
    concerns = [c.label for c in Concern if c in patient.concerns and c is not Concern.OTHER]
    if Concern.OTHER in patient.concerns or patient.concerns_other.strip():
        concerns.append("Other" + (f": {one_line(patient.concerns_other)}"
                                   if patient.concerns_other.strip() else ""))
    identity = patient_identity(patient, data.generated_at.date())
    archived = []
    if patient.archived_at is not None or patient.archive_reason:
        when = fmt_datetime(patient.archived_at) if patient.archived_at else ""
        archived = [full_width_fields([(f"Archived {when}".strip(), patient.archive_reason)])]
    return [
        para(TITLE, styles.TITLE),
        para(f"{span} · Generated {fmt_datetime(data.generated_at)}", styles.SUBTITLE),
        *archived,
        field_grid([*identity, ("Phone", patient.phone), ("Email", patient.email),
                    ("Address", patient.address)]),
        *pih_caution(patient),
        para("Health", styles.SECTION),
        full_width_fields([
            ("Concerns", ", ".join(concerns)),
            ("Medical history", patient.medical_history),
            ("Medications", patient.medications),
            ("Allergies", patient.allergies),
        ]),
        para("Consultation", styles.SECTION),
        full_width_fields([
            ("Goals", patient.goals), ("Assessment", patient.assessment), ("Plan", patient.plan),
        ]),
        para("Consent", styles.SECTION),
        full_width_fields(_consents(data)),
    ]


def _consents(data: PatientSummaryData) -> list[Field]:
    """The latest consent of each kind as recorded; a treatment consent missing, or not
    on the consent text now in force, is printed in the alert colour."""
    current = data.consent_version
    # Oldest first, those on the current text last: the last of each kind is the one shown.
    ordered = sorted(data.consents, key=lambda c: (
        c.kind != "treatment" or c.text_version == current, c.consent_date, c.id or 0))
    latest = {c.kind: c for c in ordered}
    fields: list[Field] = []
    for kind, label in (("treatment", "Treatment consent"), ("photo", "Photo consent")):
        consent = latest.get(kind)
        if consent is None:
            fields.append((label, para("Not recorded", styles.VALUE_ALERT)
                           if kind == "treatment" else "Not recorded"))
            continue
        text = (f"Given {fmt_date(consent.consent_date)} on consent text version "
                f"{one_line(consent.text_version)}, witnessed by {one_line(consent.witnessed_by)}")
        if kind == "treatment" and current and consent.text_version != current:
            fields.append((label, para(f"{text}. Not on the current text (version "
                                       f"{current}): to be renewed", styles.VALUE_ALERT)))
        else:
            fields.append((label, text))
    return fields


def _chart(sessions: list[TreatmentSession]) -> list[Flowable]:
    """The depth chart across all sessions, then one per course of treatment (the trend a
    clinician follows within a planned series)."""
    story = _one_chart("Needle depth per zone", sessions)
    courses = sorted({s.course_number for s in sessions if s.course_number is not None})
    if len(courses) > 1 or (courses and len(sessions) > sum(
            1 for s in sessions if s.course_number == courses[0])):
        for number in courses:
            story += _one_chart(f"Needle depth per zone — course {number}",
                                [s for s in sessions if s.course_number == number])
    elif courses:  # every session is in the one course: say so on the single chart
        story = _one_chart(f"Needle depth per zone — course {courses[0]}", sessions)
    return story


def _one_chart(title: str, sessions: list[TreatmentSession]) -> list[Flowable]:
    chart = depth_chart(sessions, CONTENT_WIDTH)
    if chart is None:
        return []
    return [KeepTogether([
        para(title, styles.SECTION),
        chart,
        para("Deepest depth recorded for each zone at each session. Zones at the same "
             "depth are drawn side by side.", styles.CAPTION),
    ])]


def _session_table(sessions: list[TreatmentSession]) -> list[Flowable]:
    if not sessions:
        return [para("Sessions", styles.SECTION),
                para("No sessions recorded.", styles.EMPTY_NOTE)]
    widths = [w * mm for _, w in _COLUMNS]
    widths[3] = CONTENT_WIDTH - sum(widths)
    rows = [_session_row(number, session) for number, session in enumerate(sessions, start=1)]
    table = data_table([h for h, _ in _COLUMNS], rows, widths, long=True)
    return [table_start(), para("Sessions", styles.TABLE_HEADING), table]


def _imported_signature(session: TreatmentSession):
    return session.signature.imported if session.signature is not None else None


def _imported(sessions: list[TreatmentSession]) -> list[Flowable]:
    """Signatures made in another database: who signed, where they came from, when and
    by whom they were imported."""
    fields = []
    for number, session in enumerate(sessions, start=1):
        imported = _imported_signature(session)
        if imported is not None:
            fields.append((f"Session {number}, {fmt_date(session.session_date)}",
                           f"Signed by {session.signature.signer_name} on "
                           f"{fmt_datetime(session.signature.signed_at)}; imported from "
                           f"{imported.source} on {fmt_datetime(imported.imported_at)} by "
                           f"{imported.imported_by}"))
    if not fields:
        return []
    return [para("Imported signatures", styles.SECTION), full_width_fields(fields)]


def _session_row(number: int, session: TreatmentSession) -> list[str]:
    needling = session.needling
    device = needling.device_type.label if needling.device_type else ""
    make, model = needling.device_make.strip(), needling.device_model.strip()
    if make and model.casefold().startswith(make.casefold()):
        make = ""  # the model was entered with its make ("Dermapen 4"): name it once
    make_model = " ".join(p for p in (make, model) if p)
    if make_model:
        device = f"{device}\n{make_model}" if device else make_model
    zones = dict.fromkeys(z.zone.label for z in needling.zones)  # once each, in row order
    return [
        str(number), fmt_date(session.session_date), device, ", ".join(zones),
        fmt_depth(session.deepest_mm), session.serum.product, session.practitioner_name,
        session.status.label + (" (imported)" if _imported_signature(session) else ""),
    ]
