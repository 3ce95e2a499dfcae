"""Hard limits (never editable) and the clinic's editable guidance defaults.

Hard limits are safety bounds from DOMAIN: a value outside them is refused. Guidance
values (typical depth per zone, warning levels) are defaults the clinic may change; the
persistence layer seeds them into the database and the services read them from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from .enums import FacialZone

DEPTH_MIN_EXCLUSIVE_MM = 0.0
DEPTH_MAX_MM = 3.5
PEN_DEPTH_WARN_ABOVE_MM = 2.5
PASSES_MIN, PASSES_MAX = 1, 40
ERYTHEMA_MIN, ERYTHEMA_MAX = 0, 4
SPF_MIN, SPF_MAX = 1, 100
SPF_RECOMMENDED_MIN = 30
NEEDLES_MIN, NEEDLES_MAX = 1, 1000
RF_PULSE_MIN_MS, RF_PULSE_MAX_MS = 0.0, 1000.0
NUMBING_TYPICAL_MIN, NUMBING_TYPICAL_MAX = 15, 45
TOTAL_MINUTES_MIN, TOTAL_MINUTES_MAX = 1, 600
MAX_AGE_YEARS = 130

NAME_MAX = 200
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 20_000
PATIENT_NUMBER_MAX = 32


@dataclass(frozen=True, slots=True)
class ZoneGuidance:
    """Typical depth range for a zone and the depth above which the app warns."""

    zone: FacialZone
    typical_min_mm: float
    typical_max_mm: float
    warn_above_mm: float


DEFAULT_ZONE_GUIDANCE: tuple[ZoneGuidance, ...] = (
    ZoneGuidance(FacialZone.FOREHEAD, 0.25, 0.5, 0.75),
    ZoneGuidance(FacialZone.PERIORBITAL, 0.2, 0.3, 0.5),
    ZoneGuidance(FacialZone.NOSE, 0.25, 0.5, 0.75),
    ZoneGuidance(FacialZone.CHEEKS, 0.5, 1.0, 2.0),
    ZoneGuidance(FacialZone.PERIORAL, 0.25, 0.5, 0.75),
    ZoneGuidance(FacialZone.CHIN_JAW, 0.5, 1.0, 2.0),
    ZoneGuidance(FacialZone.NECK, 0.25, 0.5, 1.0),
    ZoneGuidance(FacialZone.ACNE_SCARS, 1.0, 2.0, 2.5),
)


def guidance_by_zone(
    guidance: tuple[ZoneGuidance, ...] = DEFAULT_ZONE_GUIDANCE,
) -> dict[FacialZone, ZoneGuidance]:
    return {g.zone: g for g in guidance}
