"""How CSAT and NPS are scored: one definition for survey summaries, KPIs and analytics."""

from decimal import ROUND_HALF_UP, Decimal

PROMOTER_MIN = 9
DETRACTOR_MAX = 6


def round_half_away(value: Decimal, exponent: str) -> Decimal:
    return value.quantize(Decimal(exponent), rounding=ROUND_HALF_UP)


def csat_average(total: int | None, count: int) -> float | None:
    """The mean CSAT score to two decimals; None without responses."""
    if not count:
        return None
    return float(round_half_away(Decimal(total or 0) / count, "0.01"))


def nps_score(promoters: int, detractors: int, count: int) -> int | None:
    """% promoters (9–10) − % detractors (0–6), rounded to an integer, halves away from zero."""
    if not count:
        return None
    return int(round_half_away(Decimal(100 * (promoters - detractors)) / count, "1"))
