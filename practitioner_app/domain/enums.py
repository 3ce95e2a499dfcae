"""Closed vocabularies of the record.

Each member's value is what is stored in the database and in exports, so values never
change once released; `label` is what a clinician reads on screen and on paper.
"""

from __future__ import annotations

from enum import Enum


class LabelledEnum(str, Enum):
    """A string enum with a human label; `from_value` gives a clear error for bad input."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def allowed(cls) -> str:
        return ", ".join(m.value for m in cls)


class Sex(LabelledEnum):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    NOT_STATED = "not_stated", "Not stated"


class Fitzpatrick(LabelledEnum):
    I = "I", "I – always burns, never tans"  # noqa: E741 - the clinical name
    II = "II", "II – usually burns, tans minimally"
    III = "III", "III – sometimes burns, tans uniformly"
    IV = "IV", "IV – burns minimally, always tans"
    V = "V", "V – very rarely burns, tans very easily"
    VI = "VI", "VI – never burns"

    @property
    def needs_pih_caution(self) -> bool:
        """Types IV–VI carry more risk of post-inflammatory hyperpigmentation."""
        return self in (Fitzpatrick.IV, Fitzpatrick.V, Fitzpatrick.VI)


PIH_CAUTION = (
    "Fitzpatrick type {type}: higher risk of post-inflammatory hyperpigmentation. "
    "Consider a test spot and conservative depths."
)


class Concern(LabelledEnum):
    ACNE_SCARS = "acne_scars", "Acne scars"
    SURGICAL_SCARS = "surgical_scars", "Surgical scars"
    FINE_LINES = "fine_lines", "Fine lines and wrinkles"
    ENLARGED_PORES = "enlarged_pores", "Enlarged pores"
    TEXTURE_TONE = "texture_tone", "Texture and tone"
    HYPERPIGMENTATION = "hyperpigmentation", "Hyperpigmentation"
    SUN_DAMAGE = "sun_damage", "Sun damage"
    OTHER = "other", "Other"


class DeviceType(LabelledEnum):
    DERMAROLLER = "dermaroller", "Dermaroller"
    PEN = "pen", "Microneedling pen"
    RF = "rf", "Radiofrequency microneedling"
    AUTOMATED = "automated", "Automated microneedling"


class FacialZone(LabelledEnum):
    FOREHEAD = "forehead", "Forehead"
    PERIORBITAL = "periorbital", "Periorbital"
    NOSE = "nose", "Nose"
    CHEEKS = "cheeks", "Cheeks"
    PERIORAL = "perioral", "Perioral"
    CHIN_JAW = "chin_jaw", "Chin / jaw"
    NECK = "neck", "Neck"
    ACNE_SCARS = "acne_scars", "Acne scars (targeted)"


class Bleeding(LabelledEnum):
    NONE = "none", "None"
    SCATTERED = "scattered", "Scattered pinpoint"
    UNIFORM = "uniform", "Uniform pinpoint"


class Oedema(LabelledEnum):
    NONE = "none", "None"
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    MARKED = "marked", "Marked"


class Tolerance(LabelledEnum):
    GOOD = "good", "Well tolerated"
    FAIR = "fair", "Tolerated with discomfort"
    POOR = "poor", "Poorly tolerated"


class SessionStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    COMPLETED = "completed", "Completed"
    SIGNED = "signed", "Signed"
