"""The treatment session record: every step in procedure order, then the sign-off.

Guarantees beyond those of `document.render`: every step of `domain.session.STEPS` is
printed, in that order, with its time; every field of the session is printed (an
unrecorded one as "—"); a draft carries DRAFT on every page, a completed record nowhere.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from practitioner_app.domain.enums import SessionStatus
from practitioner_app.domain.guidance import SPF_RECOMMENDED_MIN
from practitioner_app.domain.session import STEPS, TreatmentSession

from . import styles
from .blocks import (
    Field,
    StepHeading,
    data_table,
    field_grid,
    full_width_fields,
    imported_signature_fields,
    integrity_warnings,
    para,
    patient_identity,
    pih_caution,
    signature_block,
    table_start,
)
from .data import SessionReportData
from .document import pdf_builder, render
from .layout import CONTENT_WIDTH
from .page import PageFurniture, patient_line
from .text import NOT_RECORDED, fmt_date, fmt_datetime, fmt_depth, fmt_int, fmt_number, fmt_time

TITLE = "Treatment session record"

_PRE_CHECKS = (
    ("sun_avoided", "Sun avoided (7 days)"),
    ("retinoids_paused", "Retinoids, acids paused"),
    ("no_waxing", "No waxing (5–7 days)"),
    ("skin_clean", "Skin clean, no make-up"),
    ("consent_signed", "Treatment consent"),
    ("photo_consent", "Photo consent"),
    ("baseline_photos", "Baseline photos taken"),
)


@pdf_builder
def build_session_report(data: SessionReportData) -> bytes:
    """The session record as PDF bytes; the same `data` always gives the same bytes."""
    session = data.session
    furniture = PageFurniture(
        clinic=data.clinic,
        title=TITLE,
        patient_fields=patient_line(data.patient),
        generated_at=data.generated_at,
        draft=session.status is SessionStatus.DRAFT,
    )
    story: list[Flowable] = [*_opening(data), *pih_caution(data.patient)]
    story += _overrides(session)
    story += _screen(session)
    for number, (attribute, heading) in enumerate(STEPS, start=1):
        when, body = _STEP_BODIES[attribute](session)
        story += _step(number, heading, when, body)
    story += _sign_off(data) + _addenda(session)
    return render(story, furniture)


def _sign_off(data: SessionReportData) -> list[Flowable]:
    """One block, never split across pages: the electronic signature of a signed record
    (no blank lines to sign by hand beside it), else the lines to sign by hand."""
    session = data.session
    if session.signature is None:
        return [Spacer(1, 2 * mm), signature_block(
            session.practitioner_name, session.practitioner_role,
            data.practitioner_registration)]
    return [KeepTogether(_electronic_signature(session))]


def _overrides(session: TreatmentSession) -> list[Flowable]:
    """Reasons given for going ahead despite a warning: kept with the record, printed."""
    fields = [(label, reason) for label, reason in (
        ("Early session", session.interval_override_reason),
        ("Expired lot used", session.expired_lot_reason)) if reason.strip()]
    if not fields:
        return []
    return [Spacer(1, 2 * mm), para("Overrides", styles.SECTION), full_width_fields(fields)]


def _screen(session: TreatmentSession) -> list[Flowable]:
    """Every screen question as asked that day, its answer, and any override reason."""
    if not session.screen:
        return [Spacer(1, 3.5 * mm), StepHeading("Contraindication screen", ""),
                para("Not recorded.", styles.EMPTY_NOTE)]
    rows = []
    for a in session.screen:
        if a.present is None:
            answer: str | Flowable = "Not answered"
        elif not a.present:
            answer = "No"
        else:
            answer = para(f"Yes — {a.severity.label.lower()}", styles.VALUE_ALERT)
        rows.append([a.item, a.window, answer, fmt_date(a.last_occurrence)
                     if a.last_occurrence else ""])
    # The reason for going ahead and the note are free text of any length: they print
    # across the full width under their item, not in a narrow column.
    widths = [w * mm for w in (18, 22, 22)]
    widths.insert(0, CONTENT_WIDTH - sum(widths))
    table = data_table(["Item", "Window", "Answer", "Last"], rows, widths, notes=[
        (("Override reason", a.override_reason), ("Note", a.note)) for a in session.screen])
    # Not kept whole with its heading: a table that did not fit below the opening went
    # to page 2 and left page 1 half empty. It starts here if its first rows fit.
    heading = StepHeading("Contraindication screen", "")
    heading.keepWithNext = False
    return [Spacer(1, 3.5 * mm), table_start(), heading, table]


def _electronic_signature(session: TreatmentSession) -> list[Flowable]:
    sig = session.signature
    if sig is None:
        return []
    # A signature made in another database says so, with where it came from: this
    # clinic did not see it made.
    heading = ("Sign-off: imported signature" if sig.imported is not None
               else "Sign-off: signed electronically")
    # The practitioner recorded on the session, when someone else signed it.
    treated_by = ([("Practitioner", session.practitioner_name),
                   ("Role", session.practitioner_role)]
                  if session.practitioner_name.strip() != sig.signer_name.strip() else [])
    return [Spacer(1, 3 * mm), para(heading, styles.SECTION),
            field_grid([
                *treated_by,
                ("Signed by", sig.signer_name), ("Role", sig.signer_role),
                ("Registration", sig.signer_registration),
                ("Signed at", fmt_datetime(sig.signed_at)),
                *imported_signature_fields(sig),
            ]), full_width_fields([("SHA-256", sig.digest)])]


def _addenda(session: TreatmentSession) -> list[Flowable]:
    """Each addendum in the order written; the record above stays as it was signed."""
    story: list[Flowable] = []
    for number, a in enumerate(session.addenda, start=1):
        story += [Spacer(1, 3 * mm),
                  para(f"Addendum {number} — {fmt_datetime(a.created_at)}", styles.SECTION),
                  field_grid([("Author", a.author_name), ("Reason", a.reason)]),
                  full_width_fields([("Text", a.text)])]
    return story


def _opening(data: SessionReportData) -> list[Flowable]:
    session = data.session
    course = f"Course {session.course_number} · " if session.course_number else ""
    if data.session_number and data.session_count:
        series = f"{course}Session {data.session_number} of {data.session_count}"
    elif data.session_number:
        series = f"Session {data.session_number}"
    else:
        series = ""
    subtitle = " · ".join(part for part in (
        f"Session date {fmt_date(session.session_date)}", series,
        f"Status: {session.status.label}",
        f"Generated {fmt_datetime(data.generated_at)}") if part)
    identity = patient_identity(data.patient, session.session_date)
    warning = integrity_warnings([data.integrity_warning])
    patient = data.patient
    return [
        para(TITLE, styles.TITLE),
        para(subtitle, styles.SUBTITLE),
        *warning,
        field_grid(identity),
        full_width_fields([("Allergies", patient.allergies),
                           ("Medical history", patient.medical_history),
                           ("Medications", patient.medications)]),
    ]


def _step(number: int, heading: str, when: str, body: list[Flowable]) -> list[Flowable]:
    """A step: numbered heading with its time on the right, then its fields.

    The heading stays with the step's first block; a long step may continue overleaf
    (a zone table repeats its header row there).
    """
    return [Spacer(1, 3.5 * mm), StepHeading(f"{number}. {heading}", when), *body]


def _checked(value: bool) -> str | Flowable:
    # A missed check is what a reader must not overlook.
    return "Yes" if value else para("No", styles.VALUE_ALERT)


def _pre_checks(session: TreatmentSession) -> tuple[str, list[Flowable]]:
    checks = session.pre_checks
    fields: list[Field] = [(label, _checked(getattr(checks, name))) for name, label in _PRE_CHECKS]
    return fmt_time(checks.done_at), [
        field_grid(fields),
        full_width_fields([("Note", checks.note)]),
    ]


def _cleansing(session: TreatmentSession) -> tuple[str, list[Flowable]]:
    step = session.cleansing
    return fmt_time(step.done_at), [field_grid([
        ("Product", step.product), ("Antiseptic", step.antiseptic),
    ])]


def _numbing(session: TreatmentSession) -> tuple[str, list[Flowable]]:
    step = session.numbing
    if not step.used:
        return NOT_RECORDED, [field_grid([
            ("Numbing", para("Not used", styles.VALUE)), ("Reason", step.not_used_reason),
        ])]
    return fmt_time(step.applied_at), [field_grid([
        ("Agent", step.agent), ("Lot", step.lot), ("Lot expiry", fmt_date(step.expiry)),
        ("Applied", fmt_time(step.applied_at)), ("Removed", fmt_time(step.removed_at)),
        ("Contact time", fmt_int(step.contact_minutes, "min")),
    ])]


def _needling(session: TreatmentSession) -> tuple[str, list[Flowable]]:
    step = session.needling
    device = [
        ("Device type", step.device_type.label if step.device_type else ""),
        ("Make", step.device_make), ("Model", step.device_model),
        ("Serial no.", step.device_serial),
        ("Cartridge needles", fmt_int(step.cartridge_needles)),
        ("Cartridge lot", step.cartridge_lot),
        ("Cartridge expiry", fmt_date(step.cartridge_expiry)),
        ("Single use confirmed", _checked(step.single_use_confirmed)),
    ]
    body: list[Flowable] = [field_grid(device), Spacer(1, 2 * mm)]
    body.append(_zone_table(session) if step.zones
                else para("No zones recorded.", styles.EMPTY_NOTE))
    return fmt_time(step.started_at), body


# Zone table columns (heading, width in mm), sized so no heading word has to split; the
# zone column takes what is left. Notes print on a full-width row under their zone.
_ZONE_COLUMNS = (
    ("Depth (mm)", 14), ("Passes", 14), ("Speed", 14), ("Technique", 22),
    ("Erythema (0–4)", 18), ("Bleeding", 21), ("Oedema", 17),
)
_RF_COLUMNS = (("RF energy", 17), ("Pulse (ms)", 14))


def _zone_table(session: TreatmentSession) -> Table:
    zones = session.needling.zones
    with_rf = any(z.rf_energy or z.rf_pulse_ms is not None for z in zones)
    columns = _ZONE_COLUMNS + (_RF_COLUMNS if with_rf else ())
    widths = [w * mm for _, w in columns]
    widths.insert(0, CONTENT_WIDTH - sum(widths))
    rows = []
    for z in zones:
        row = [
            z.zone.label, fmt_depth(z.depth_mm), str(z.passes), z.speed, z.technique,
            fmt_int(z.erythema), z.bleeding.label if z.bleeding else "",
            z.oedema.label if z.oedema else "",
        ]
        if with_rf:
            row += [z.rf_energy, fmt_number(z.rf_pulse_ms)]
        rows.append(row)
    return data_table(["Zone"] + [h for h, _ in columns], rows, widths,
                      notes=[(("Note", z.note),) for z in zones])


def _serum(session: TreatmentSession) -> tuple[str, list[Flowable]]:
    step = session.serum
    return fmt_time(step.done_at), [field_grid([
        ("Product", step.product), ("Lot", step.lot), ("Lot expiry", fmt_date(step.expiry)),
        ("Amount", step.amount),
    ])]


def _sunscreen(session: TreatmentSession) -> tuple[str, list[Flowable]]:
    step = session.sunscreen
    if step.deferred:
        fields: list[Field] = [
            ("Sunscreen", para("Deferred to 24 h", styles.VALUE)),
            ("Reason", step.deferred_reason),
        ]
    else:
        spf: str | Flowable = fmt_int(step.spf)
        if step.spf is not None and step.spf < SPF_RECOMMENDED_MIN:
            spf = para(f"{step.spf} (below the recommended {SPF_RECOMMENDED_MIN})",
                       styles.VALUE_ALERT)
        fields = [("Product", step.product), ("SPF", spf)]
    return fmt_time(step.done_at), [field_grid(fields)]


def _aftercare(session: TreatmentSession) -> tuple[str, list[Flowable]]:
    step = session.aftercare
    return fmt_time(step.done_at), [
        field_grid([("Aftercare given", _checked(step.given)),
                    ("Next appointment", _next_appointment(step))]),
        full_width_fields([("Instructions", step.instructions)]),
    ]


def _next_appointment(step) -> str:
    """The date of the next appointment, and its time when one was given."""
    text = fmt_date(step.next_appointment)
    at = step.next_appointment_time
    return f"{text} at {at:%H:%M}" if step.next_appointment and at else text


def _outcome(session: TreatmentSession) -> tuple[str, list[Flowable]]:
    step = session.outcome
    return "", [
        field_grid([
            ("Tolerance", step.tolerance.label if step.tolerance else ""),
            ("Total time", fmt_int(step.total_minutes, "min")),
        ]),
        full_width_fields([("Adverse events", step.adverse_events), ("Notes", step.notes)]),
    ]


_STEP_BODIES: dict[str, Callable[[TreatmentSession], tuple[str, list[Flowable]]]] = {
    "pre_checks": _pre_checks,
    "cleansing": _cleansing,
    "numbing": _numbing,
    "needling": _needling,
    "serum": _serum,
    "sunscreen": _sunscreen,
    "aftercare": _aftercare,
    "outcome": _outcome,
}
