"""A project's health, derived from its milestones and risks unless a manager overrides it.

Rules (the first that applies wins):
- **red**: a milestone was missed or is overdue by more than 14 days, or an open risk is in the
  critical band, or a risk has occurred and is not closed;
- **amber**: a milestone is overdue, an open risk is in the high band, or a KPI target of the
  project was missed (its due date passed and it is not met);
- **green**: otherwise.
Overdue depends on the date, so health
can change overnight without any write: `/status` derives it live; the stored `health` column
(used to filter lists) is refreshed on every change of the project or its parts.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import and_, case, func, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Health, MilestoneStatus, Project, RiskStatus
from app.models.kpi import Kpi, KpiStatus
from app.models.milestone import Milestone
from app.models.risk import Risk
from app.risks.bands import RiskBand, band_of

RED_OVERDUE_DAYS = 14
OPEN_MILESTONE = (MilestoneStatus.planned, MilestoneStatus.in_progress)
LIVE_RISK = (RiskStatus.open, RiskStatus.mitigating, RiskStatus.occurred)


class HealthSource(StrEnum):
    derived = "derived"
    override = "override"


@dataclass(frozen=True)
class HealthAssessment:
    health: Health
    source: HealthSource
    derived: Health
    reasons: list[str] = field(default_factory=list)


async def assess_health(session: AsyncSession, project: Project, today: date) -> HealthAssessment:
    """Derive health in one statement; an override, if set, wins (and says so)."""
    overdue = and_(col(Milestone.status).in_(OPEN_MILESTONE), col(Milestone.due_date) < today)
    milestone_facts = (
        select(
            func.count().filter(col(Milestone.status) == MilestoneStatus.missed),
            func.count().filter(overdue),
            func.min(case((overdue, Milestone.due_date))),
        )
        .where(Milestone.project_id == project.id)
        .subquery()
    )
    live = col(Risk.status).in_(LIVE_RISK)
    risk_facts = (
        select(
            func.max(case((live & (col(Risk.status) != RiskStatus.occurred), Risk.score))),
            func.count().filter(col(Risk.status) == RiskStatus.occurred),
        )
        .where(Risk.project_id == project.id)
        .subquery()
    )
    kpi_facts = (
        select(func.count().label("missed_kpis"))
        .where(
            Kpi.project_id == project.id,
            Kpi.status != KpiStatus.met,
            col(Kpi.due_date) < today,
        )
        .subquery()
    )
    # One row each: a deliberate cross join.
    both = milestone_facts.join(risk_facts, true()).join(kpi_facts, true())
    row = (
        await session.exec(select(milestone_facts, risk_facts, kpi_facts).select_from(both))  # type: ignore[call-overload]
    ).one()
    missed, overdue_count, oldest_due, top_score, occurred, missed_kpis = row
    reasons_red: list[str] = []
    reasons_amber: list[str] = []
    if missed:
        reasons_red.append(f"{missed} milestone(s) missed")
    if overdue_count:
        days = (today - oldest_due).days
        message = f"{overdue_count} milestone(s) overdue, the oldest by {days} day(s)"
        (reasons_red if days > RED_OVERDUE_DAYS else reasons_amber).append(message)
    if occurred:
        reasons_red.append(f"{occurred} risk(s) occurred")
    top_band = band_of(top_score) if top_score is not None else None
    if top_band is RiskBand.critical:
        reasons_red.append(f"a critical open risk (score {top_score})")
    elif top_band is RiskBand.high:
        reasons_amber.append(f"a high open risk (score {top_score})")
    if missed_kpis:
        reasons_amber.append(f"{missed_kpis} KPI target(s) missed")
    derived = Health.red if reasons_red else Health.amber if reasons_amber else Health.green
    reasons = reasons_red + reasons_amber
    if project.health_override is not None:
        override_reason = f"set by a manager: {project.health_override_reason}"
        return HealthAssessment(
            project.health_override, HealthSource.override, derived, [override_reason, *reasons]
        )
    return HealthAssessment(derived, HealthSource.derived, derived, reasons)
