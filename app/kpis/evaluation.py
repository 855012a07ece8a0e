"""Whether a target is met, on track, at risk or missed — and which way it is going.

- **met**: the current value satisfies the target (`at_least`: value ≥ target; `at_most`: ≤).
- **missed**: not met, and the due date has passed.
- **on_track**: not met yet, but the line through the last two measurements reaches the target
  by the due date; also while there is no value at all (nothing to judge yet).
- **at_risk**: not met, and the last two measurements do not reach it in time (or there is only
  one: a target that is not met with no sign of progress is at risk).

The trend compares the last two measurements in the target's direction.
"""

from dataclasses import dataclass
from datetime import date, datetime

from app.models.kpi import KpiDirection, KpiStatus, KpiTrend

# Two values closer than this are the same (float sums in SQL differ in the last bits).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float


def is_met(value: float, target: float, direction: KpiDirection) -> bool:
    if direction is KpiDirection.at_least:
        return value >= target - TOLERANCE
    return value <= target + TOLERANCE


def trend_of(points: list[Point], direction: KpiDirection) -> KpiTrend | None:
    """`points` are oldest first; only the last two matter."""
    if len(points) < 2:
        return None
    change = points[-1].value - points[-2].value
    if abs(change) <= TOLERANCE:
        return KpiTrend.steady
    better = change > 0 if direction is KpiDirection.at_least else change < 0
    return KpiTrend.improving if better else KpiTrend.worsening


def status_of(
    value: float | None,
    target: float,
    direction: KpiDirection,
    due_date: date,
    today: date,
    points: list[Point],
) -> KpiStatus:
    if value is not None and is_met(value, target, direction):
        return KpiStatus.met
    if today > due_date:
        return KpiStatus.missed
    if value is None:
        return KpiStatus.on_track
    projected = _projected(points, due_date)
    if projected is not None and is_met(projected, target, direction):
        return KpiStatus.on_track
    return KpiStatus.at_risk


def _projected(points: list[Point], due_date: date) -> float | None:
    """The value at the end of the due date on the line through the last two points."""
    if len(points) < 2:
        return None
    before, last = points[-2], points[-1]
    elapsed = (last.at - before.at).total_seconds()
    if elapsed <= 0:
        return None
    due_end = datetime.combine(due_date, datetime.max.time(), tzinfo=last.at.tzinfo)
    remaining = (due_end - last.at).total_seconds()
    return last.value + (last.value - before.value) * remaining / elapsed
