"""Valid records to start tests from; override what the test is about."""

from __future__ import annotations

import dataclasses
from datetime import date, time

from practitioner_app.domain.enums import (
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
from practitioner_app.domain.patient import Patient
from practitioner_app.domain.screening import DEFAULT_RULES, ScreenAnswer, answers_for
from practitioner_app.domain.session import (
    Aftercare,
    Cleansing,
    Needling,
    Numbing,
    Outcome,
    PreTreatmentChecks,
    Serum,
    Sunscreen,
    TreatmentSession,
    ZoneTreatment,
)

HOSTILE_NAMES = (
    "O'Neil <script>alert(1)</script> & \"Sons\"",
    "Łucja Świętochowska-Gęślą",
    "Zoltán Őrsi Şükrü",
    "Αλέξανδρος Παπαδόπουλος",
    "Жанна Юрьевна Щербакова",
    "&amp; <b>bold</b> <font color=red>x</font> <img src=\"file:///etc/passwd\"/>",
)


def a_patient(**overrides) -> Patient:
    values = dict(
        number="P000101", full_name="Ana Martínez", date_of_birth=date(1985, 4, 12),
        sex=Sex.FEMALE, fitzpatrick=Fitzpatrick.III, phone="+44 20 7946 0001",
        email="ana@example.org", address="1 High Street\nLondon",
        concerns=frozenset({Concern.ACNE_SCARS, Concern.TEXTURE_TONE}),
        concerns_other="", medical_history="None relevant", medications="None",
        allergies="Penicillin", goals="Smoother cheeks", assessment="Rolling scars, cheeks",
        plan="3 sessions, 4 weeks apart",
    )
    values.update(overrides)
    return Patient(**values)


def answered_screen(**present) -> tuple[ScreenAnswer, ...]:
    """The default screen answered "no" throughout; `present={position: True}` changes one,
    e.g. answered_screen(**{"5": True}) answers isotretinoin yes (with a reason)."""
    answers = []
    for i, a in enumerate(answers_for(DEFAULT_RULES)):
        yes = present.get(str(i), False)
        answers.append(dataclasses.replace(
            a, present=yes, override_reason="Benefit outweighs risk; discussed" if yes else ""))
    return tuple(answers)


def a_full_session(**overrides) -> TreatmentSession:
    """A completed session with every step filled in."""
    values = dict(
        session_date=date(2026, 11, 20), practitioner_name="Dr Jane Roe",
        practitioner_role="Aesthetic nurse prescriber", status=SessionStatus.COMPLETED,
        pre_checks=PreTreatmentChecks(
            sun_avoided=True, retinoids_paused=True, no_waxing=True, skin_clean=True,
            consent_signed=True, photo_consent=True, baseline_photos=True,
            done_at=time(9, 0), note="Reviewed history"),
        cleansing=Cleansing(product="Gentle foaming cleanser", antiseptic="Chlorhexidine 0.05%",
                            done_at=time(9, 5)),
        numbing=Numbing(used=True, agent="EMLA 5%", lot="EM2291", applied_at=time(9, 10),
                        removed_at=time(9, 40)),
        needling=Needling(
            device_type=DeviceType.PEN, device_make="Dermapen", device_model="4",
            device_serial="DP4-00931", cartridge_needles=16, cartridge_lot="C-7731",
            cartridge_expiry=date(2027, 6, 30), single_use_confirmed=True,
            started_at=time(9, 45),
            zones=(
                ZoneTreatment(FacialZone.FOREHEAD, 0.5, 3, speed="8", technique="Stamping",
                              erythema=2, bleeding=Bleeding.NONE, oedema=Oedema.MILD,
                              note="Even"),
                ZoneTreatment(FacialZone.CHEEKS, 1.5, 4, speed="10", technique="Spiral",
                              erythema=3, bleeding=Bleeding.SCATTERED, oedema=Oedema.MILD),
            )),
        serum=Serum(product="Hyaluronic acid 1%", lot="HA-5520", amount="2 ml",
                    done_at=time(10, 5)),
        sunscreen=Sunscreen(product="Mineral SPF 50", spf=50, done_at=time(10, 10)),
        aftercare=Aftercare(given=True, instructions="Standard sheet v1",
                            next_appointment=date(2026, 12, 18), done_at=time(10, 12)),
        outcome=Outcome(tolerance=Tolerance.GOOD, adverse_events="None",
                        total_minutes=75, notes="Good endpoint"),
        screen=answered_screen(),
    )
    values.update(overrides)
    return TreatmentSession(**values)


def with_zone(session: TreatmentSession, **zone_overrides) -> TreatmentSession:
    """`session` with its first zone row changed."""
    first = dataclasses.replace(session.needling.zones[0], **zone_overrides)
    needling = dataclasses.replace(
        session.needling, zones=(first, *session.needling.zones[1:]))
    return dataclasses.replace(session, needling=needling)
