"""Risk bands: how bad a score (probability × impact, 1–25) is, in words people act on.

One place for the thresholds, so the register, escalations and alerts always agree.
"""

from enum import StrEnum


class RiskBand(StrEnum):
    """Ordered from least to most severe."""

    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


BAND_DESCRIPTION = "Derived from `score`: `low` 1–4, `medium` 5–9, `high` 10–14, `critical` 15–25."

# Lowest score of each band, most severe first.
_FLOORS = ((15, RiskBand.critical), (10, RiskBand.high), (5, RiskBand.medium))
_ORDER = list(RiskBand)


def band_of(score: int) -> RiskBand:
    """The band a score falls in."""
    for floor, band in _FLOORS:
        if score >= floor:
            return band
    return RiskBand.low


def band_floor(band: RiskBand) -> int:
    """The lowest score in `band` (a score at least this is in the band or a worse one)."""
    return next((floor for floor, named in _FLOORS if named is band), 1)


def rank(band: RiskBand) -> int:
    """0 for `low` up to 3 for `critical`: compare bands by severity."""
    return _ORDER.index(band)


def escalates(old_score: int, new_score: int) -> bool:
    """True when the new score lies in a more severe band than the old one."""
    return rank(band_of(new_score)) > rank(band_of(old_score))
