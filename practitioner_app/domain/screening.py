"""The contraindication screen: clinic-editable rules, answered for every visit.

A "stop" answer blocks the needling step; a "caution" answer needs an override reason,
kept with the session and printed on its report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .enums import LabelledEnum
from .errors import Problem


class ScreenSeverity(LabelledEnum):
    STOP = "stop", "Stop"
    CAUTION = "caution", "Caution"


@dataclass(frozen=True, slots=True)
class ContraindicationRule:
    """One item of the clinic's screen. `window` is the look-back period in words
    ("now", "ever", "6 months"); the question asked is `item` within that window."""

    item: str
    severity: ScreenSeverity
    window: str
    position: int = 0
    active: bool = True
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ScreenAnswer:
    """A rule as it stood when asked, and the answer. The rule's wording and severity are
    copied so a later edit of the rules never changes what a past record says."""

    item: str
    severity: ScreenSeverity
    window: str
    present: bool | None = None  # None: not answered yet
    last_occurrence: date | None = None
    note: str = ""
    override_reason: str = ""


DEFAULT_RULES: tuple[ContraindicationRule, ...] = tuple(
    ContraindicationRule(item, ScreenSeverity(sev), window, position)
    for position, (item, sev, window) in enumerate((
        ("Active skin infection or cold sore in the area", "stop", "now"),
        ("Active inflamed acne in the area", "stop", "now"),
        ("Pregnancy or breastfeeding", "stop", "now"),
        ("Anticoagulants or a bleeding disorder", "stop", "now"),
        ("Immunosuppression, chemo/radiotherapy, autoimmune disease", "stop", "now"),
        ("Isotretinoin", "caution", "6 months"),
        ("Keloid or hypertrophic scarring history", "caution", "ever"),
        ("History of cold sores (antiviral prophylaxis prompt)", "caution", "ever"),
        ("Uncontrolled diabetes", "caution", "now"),
        ("Eczema, psoriasis or rosacea in the area", "caution", "now"),
        ("Allergy to topical anaesthetic (no numbing)", "caution", "ever"),
        ("Recent filler or botulinum toxin", "caution", "2 weeks"),
        ("Recent peel, laser, IPL or sunburn", "caution", "2 weeks"),
        ("Scar younger than 6 months", "caution", "6 months"),
    ))
)


def answers_for(rules: tuple[ContraindicationRule, ...]) -> tuple[ScreenAnswer, ...]:
    """Unanswered questions for the active rules, in the clinic's order."""
    return tuple(ScreenAnswer(r.item, r.severity, r.window)
                 for r in sorted(rules, key=lambda r: r.position) if r.active)


def screen_problems(answers: tuple[ScreenAnswer, ...], *, needling_recorded: bool
                    ) -> list[Problem]:
    """Why the needling step may not be recorded yet: unanswered items (only once needling
    is being recorded), any "stop" answered yes, a "caution" yes without a reason."""
    problems = []
    if needling_recorded and not answers:
        problems.append(Problem("screen", "Contraindication screen: answer it before the "
                                          "needling step is recorded."))
    for i, a in enumerate(answers):
        path = f"screen[{i}]"
        if a.present is None:
            if needling_recorded:
                problems.append(Problem(f"{path}.present", f"Contraindication screen: answer "
                                        f"“{a.item}” before the needling step."))
        elif a.present and a.severity is ScreenSeverity.STOP:
            problems.append(Problem(f"{path}.present", f"Session blocked: “{a.item}” "
                                    "is a reason not to treat today."))
        elif a.present and not a.override_reason.strip():
            problems.append(Problem(f"{path}.override_reason", f"Caution “{a.item}”: write "
                                    "the reason for going ahead."))
    return problems


def is_blocked(answers: tuple[ScreenAnswer, ...]) -> bool:
    return any(a.present and a.severity is ScreenSeverity.STOP for a in answers)
