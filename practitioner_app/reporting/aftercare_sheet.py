"""The aftercare sheet the patient takes home, in plain words and large type.

Guarantees beyond those of `document.render`: the clinic's aftercare text prints in full,
its blank-line sections and "- " bullets kept; the sheet says what was done, when to
call the clinic (the warning signs once: ours only when the clinic's text does not give
them), how to reach it (phone, email, out of hours) and the next appointment when one
is booked. It is the patient's copy: no DRAFT mark, and nothing from the clinical record
that was written for colleagues (the aftercare instructions field is the clinician's
note of what was handed out, and stays in the session record).
"""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from practitioner_app.domain.clinic import ClinicProfile
from practitioner_app.domain.enums import DeviceType, FacialZone
from practitioner_app.domain.session import TreatmentSession

from . import styles
from .blocks import boxed, integrity_warnings, para
from .data import AftercareSheetData
from .document import pdf_builder, render
from .page import PageFurniture
from .text import clean, escape_text, fmt_date, fmt_depth, one_line, spoken_date, spoken_list

TITLE = "Aftercare"

# How a patient would say it; a missing entry falls back to the clinical label.
_ZONE_WORDS = {
    FacialZone.FOREHEAD: "forehead",
    FacialZone.PERIORBITAL: "skin around the eyes",
    FacialZone.NOSE: "nose",
    FacialZone.CHEEKS: "cheeks",
    FacialZone.PERIORAL: "skin around the mouth",
    FacialZone.CHIN_JAW: "chin and jawline",
    FacialZone.NECK: "neck",
    FacialZone.ACNE_SCARS: "acne scars",
}
_DEVICE_WORDS = {
    DeviceType.DERMAROLLER: "a dermaroller",
    DeviceType.PEN: "a microneedling pen",
    DeviceType.RF: "a radiofrequency microneedling device",
    DeviceType.AUTOMATED: "an automated microneedling device",
}


@pdf_builder
def build_aftercare_sheet(data: AftercareSheetData) -> bytes:
    """The aftercare sheet as PDF bytes; the same `data` always gives the same bytes."""
    session = data.session
    furniture = PageFurniture(
        clinic=data.clinic,
        title=TITLE,
        patient_fields=(("For", data.patient.full_name),
                        ("Treatment date", fmt_date(session.session_date))),
        generated_at=data.generated_at,
    )
    story: list[Flowable] = [
        para("Looking after your skin after microneedling", styles.PATIENT_TITLE),
        *integrity_warnings([data.integrity_warning]),
        para("Your treatment", styles.PATIENT_HEADING),
        *[para(sentence, styles.PATIENT_BODY) for sentence in treatment_sentences(session)],
    ]
    story += aftercare_text(data.clinic.aftercare_text)
    story += [Spacer(1, 4 * mm), KeepTogether([_next_appointment(session), Spacer(1, 3 * mm),
                                               _contact(data.clinic)])]
    return render(story, furniture)


def treatment_sentences(session: TreatmentSession) -> list[str]:
    """What was done, in plain words, e.g. "On Friday 20 November 2026 you had
    microneedling of the forehead and cheeks with a microneedling pen, up to 1.5 mm deep."
    """
    needling = session.needling
    zones = [_ZONE_WORDS.get(z.zone, z.zone.label.lower()) for z in needling.zones]
    done = f"On {spoken_date(session.session_date)} you had microneedling"
    if zones:
        done += " of the " + spoken_list(list(dict.fromkeys(zones)))
    if needling.device_type:
        done += " with " + _DEVICE_WORDS[needling.device_type]
    if session.deepest_mm is not None:
        done += f", up to {fmt_depth(session.deepest_mm)} mm deep"
    sentences = [done + "."]
    if session.numbing.used and session.numbing.agent.strip():
        sentences.append(f"A numbing cream ({one_line(session.numbing.agent)}) was used first.")
    if session.serum.product.strip():
        # The product's name as the clinic wrote it ("Sterile hyaluronic acid"), set
        # apart so a capital letter does not land in the middle of our sentence.
        sentences.append(f"Afterwards we applied a serum ({one_line(session.serum.product)}).")
    sunscreen = session.sunscreen
    if sunscreen.deferred:
        sentences.append("Sunscreen was not applied today: start using it tomorrow.")
    elif sunscreen.product.strip() or sunscreen.spf:
        spf = f" (SPF {sunscreen.spf})" if sunscreen.spf else ""
        sentences.append(f"We finished with sunscreen{spf}.")
    return sentences


def aftercare_text(text: str) -> list[Flowable]:
    """The clinic's text as flowables: a line followed by "- " bullets is a heading, "- "
    lines are bullets, other lines are paragraphs; blank lines separate sections."""
    lines = [line.strip() for line in clean(text).split("\n")]
    flowables: list[Flowable] = []
    for index, line in enumerate(lines):
        if not line:
            continue
        if line.startswith("- "):
            flowables.append(Paragraph(escape_text(line[2:]), styles.PATIENT_BULLET,
                                       bulletText="•"))
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        style = styles.PATIENT_HEADING if following.startswith("- ") else styles.PATIENT_BODY
        flowables.append(para(line, style))
    return flowables


def _next_appointment(session: TreatmentSession) -> Flowable:
    booked = session.aftercare.next_appointment
    at = session.aftercare.next_appointment_time
    when = f" at {at:%H:%M}" if at else ""
    text = (f"Your next appointment: {spoken_date(booked)}{when}" if booked
            else "Please contact the clinic to book your next appointment.")
    return boxed([para(text, styles.PATIENT_EMPHASIS)], styles.NOTE_FILL, styles.NOTE_EDGE)


def _contact(clinic: ClinicProfile) -> Flowable:
    """When to call (unless the clinic's own text says it) and how to reach the clinic.

    The clinic's out-of-hours number is given beside the emergency number; when the
    clinic details have none, the clinic's phone is given for out of hours too.
    """
    name = one_line(clinic.name) or "the clinic"
    phone, email = one_line(clinic.phone), one_line(clinic.email)
    body = []
    if not _gives_warning_signs(clinic.aftercare_text):
        body.append(para("Call us straight away if you see signs of infection (increasing "
                         "pain, swelling, heat, pus or a fever), a cold-sore flare, or "
                         "darkening of the skin.", styles.PATIENT_BODY))
    if phone and email:
        body.append(para(f"To reach {name}, call {phone} or email {email}.",
                         styles.PATIENT_BODY))
    elif phone:
        body.append(para(f"To reach {name}, call {phone}.", styles.PATIENT_BODY))
    elif email:
        body.append(para(f"To reach {name}, email {email}.", styles.PATIENT_BODY))
    else:
        body.append(para(f"To reach {name}, use the contact details you were given at "
                         "your appointment.", styles.PATIENT_BODY))
    after_hours = one_line(clinic.out_of_hours_phone) or phone
    out_of_hours = f"Out of hours, call {after_hours}. " if after_hours else ""
    body.append(para(out_of_hours + "In an emergency, call your local emergency number.",
                     styles.PATIENT_BODY))
    return boxed([para("If you are worried", styles.PATIENT_EMPHASIS), *body],
                 styles.CAUTION_FILL, styles.CAUTION_EDGE)


def _gives_warning_signs(clinic_text: str) -> bool:
    """True when the clinic's own aftercare text already tells the patient the signs to
    call about (the default text has a "Call the clinic if" section): said once only."""
    return "infection" in clinic_text.lower()
