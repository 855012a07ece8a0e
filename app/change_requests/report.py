"""The baseline against the plan now: slip split into change-driven and delivery-driven.

For each milestone, with `finish` its completion date when done, else the later of today and
its due date (the same finish `slip_days` uses):
- `change_slip_days`: the days approved change requests moved it since the baseline was set;
- `delivery_slip_days`: how far `finish` is behind the baseline plus those changes.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.change_requests.schemas import BaselineReport, MilestoneSlip
from app.milestones.service import slip_days
from app.models import (
    ChangeRequest,
    ChangeRequestMilestone,
    Milestone,
    MilestoneStatus,
    Project,
)
from app.models.change_request import APPLIED_STATUSES

RATE = Decimal("0.0001")


def _applied_since_baseline(project: Project) -> list[Any]:
    """Changes that count against the baseline: applied after it was set (before it, they are
    part of the plan the baseline froze)."""
    conditions: list[Any] = [
        ChangeRequest.organization_id == project.organization_id,
        ChangeRequest.project_id == project.id,
        col(ChangeRequest.status).in_(APPLIED_STATUSES),
    ]
    if project.baseline_set_at is not None:
        conditions.append(col(ChangeRequest.applied_at) >= project.baseline_set_at)
    return conditions


async def approved_change_cost(session: AsyncSession, project: Project) -> Decimal:
    """What approved change requests added to the budget since the baseline (one query)."""
    found = await session.exec(
        select(func.sum(col(ChangeRequest.cost_impact_amount))).where(
            *_applied_since_baseline(project)
        )
    )
    total = found.one()  # SUM keeps the Money type: exact on both databases
    return Decimal("0.00") if total is None else Decimal(total)


def rate(cost: Decimal, baseline_budget: Decimal | None) -> Decimal | None:
    if not baseline_budget:
        return None
    return (cost / baseline_budget).quantize(RATE, rounding=ROUND_HALF_UP)


async def scope_change_rate(session: AsyncSession, project: Project) -> Decimal | None:
    """Approved change cost / baseline budget, to 4 decimals (0.15 = changes added 15% to the
    budget as planned); None while the project has no baseline budget. For the KPIs."""
    return rate(await approved_change_cost(session, project), project.baseline_budget_amount)


async def _change_shifts(session: AsyncSession, project: Project) -> dict[UUID, int]:
    """Days approved changes moved each milestone since the baseline (one grouped query)."""
    rows = await session.exec(
        select(
            ChangeRequestMilestone.milestone_id,
            func.sum(col(ChangeRequest.schedule_impact_days)),
        )
        .join(ChangeRequest, col(ChangeRequest.id) == col(ChangeRequestMilestone.change_request_id))
        .where(*_applied_since_baseline(project))
        .group_by(col(ChangeRequestMilestone.milestone_id))
    )
    return {milestone_id: int(days or 0) for milestone_id, days in rows}


def split_slip(milestone: Milestone, shift_days: int, today: date) -> MilestoneSlip:
    if milestone.status == MilestoneStatus.done and milestone.completed_date is not None:
        finish = milestone.completed_date
    else:
        finish = max(today, milestone.due_date)
    planned = milestone.baseline_due_date + timedelta(days=shift_days)
    return MilestoneSlip(
        milestone_id=milestone.id,
        name=milestone.name,
        status=milestone.status,
        baseline_due_date=milestone.baseline_due_date,
        due_date=milestone.due_date,
        slip_days=slip_days(milestone, today),
        change_slip_days=max(0, shift_days),
        delivery_slip_days=max(0, (finish - planned).days),
    )


def _number(ratio: Decimal | None) -> float | None:
    """Ratios are JSON numbers (money stays a decimal string)."""
    return None if ratio is None else float(ratio)


def _money(amount: Decimal | None, currency: str | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "currency": currency}


async def baseline_report(session: AsyncSession, project: Project, today: date) -> BaselineReport:
    """The baseline, the plan now, and each milestone's slip split: four queries."""
    milestones: Sequence[Milestone] = (
        await session.exec(
            select(Milestone)
            .where(Milestone.project_id == project.id)
            .order_by(col(Milestone.due_date), col(Milestone.id))
        )
    ).all()
    shifts = await _change_shifts(session, project)
    cost = await approved_change_cost(session, project)
    return BaselineReport(
        baseline_set_at=project.baseline_set_at,
        baseline_budget=_money(project.baseline_budget_amount, project.baseline_budget_currency),
        budget=_money(project.budget_amount, project.budget_currency),
        approved_change_cost=_money(
            cost, project.budget_currency or project.baseline_budget_currency
        )
        if (project.budget_currency or project.baseline_budget_currency)
        else None,
        scope_change_rate=_number(rate(cost, project.baseline_budget_amount)),
        milestones=[split_slip(m, shifts.get(m.id, 0), today) for m in milestones],
    )
