"""The account view, in a fixed number of queries whatever the number of projects.

One query each: the customer, its projects, survey tallies by month, open feedback, open change
requests, open high risks, upcoming customer-visible milestones. The lists are capped (with
their full count from a window function in the same query).
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import extract, func
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.schemas import (
    AccountOverview,
    ChangeRequestList,
    FeedbackList,
    HighRiskList,
    MilestoneList,
)
from app.change_requests.service import OPEN_STATUSES as OPEN_CHANGE_REQUESTS
from app.models import (
    ChangeRequest,
    Customer,
    Feedback,
    FeedbackStatus,
    HandoffBrief,
    HandoffStatus,
    Milestone,
    MilestoneStatus,
    Project,
    Risk,
    RiskStatus,
    SurveyKind,
    SurveyResponse,
)
from app.risks.bands import band_of
from app.surveys.service import summary_of, tally_columns

LISTED = 20
HIGH_SCORE = 10  # the floor of the `high` band (app/risks/bands.py)
OPEN_RISKS = (RiskStatus.open, RiskStatus.mitigating)


def _with_total(model: Any) -> Any:
    """Rows of `model`, each with how many rows the query has in all (a window function)."""
    return select(model, func.count().over())


async def _listed(session: AsyncSession, statement: Any) -> tuple[int, list[Any]]:
    """The first LISTED rows of a `_with_total` query and the total, in one query."""
    rows = (await session.exec(statement.limit(LISTED))).all()
    return (rows[0][1] if rows else 0), [row[0] for row in rows]


def _totals(projects: Sequence[Project]) -> list[dict[str, Any]]:
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for project in projects:
        if project.budget_amount is not None and project.budget_currency is not None:
            totals[project.budget_currency] += project.budget_amount
    return [{"amount": amount, "currency": currency} for currency, amount in sorted(totals.items())]


async def _satisfaction(session: AsyncSession, customer: Customer) -> list[dict[str, Any]]:
    year = extract("year", col(SurveyResponse.collected_on))
    month = extract("month", col(SurveyResponse.collected_on))
    statement: Any = (
        select_columns(year, month, *tally_columns())
        .join(Project, col(Project.id) == col(SurveyResponse.project_id))
        .where(
            col(SurveyResponse.organization_id) == customer.organization_id,
            col(Project.customer_id) == customer.id,
        )
        .group_by(year, month, col(SurveyResponse.kind))
    )
    rows = await session.exec(statement)
    months: dict[str, dict[SurveyKind, Sequence[int]]] = defaultdict(dict)
    for row in rows:
        months[f"{int(row[0]):04d}-{int(row[1]):02d}"][row[2]] = row[3:]
    return [
        {"month": name, "summary": summary_of(tallies)} for name, tallies in sorted(months.items())
    ]


async def account_overview(
    session: AsyncSession, customer: Customer, today: date
) -> AccountOverview:
    """What a salesperson checks before a renewal or upsell call (seven queries), with each
    project's handoff brief status."""
    organization_id = customer.organization_id
    rows = (
        await session.exec(
            select(Project, HandoffBrief.status, HandoffBrief.accepted_at)
            .outerjoin(HandoffBrief, col(HandoffBrief.project_id) == col(Project.id))
            .where(Project.organization_id == organization_id, Project.customer_id == customer.id)
            .order_by(col(Project.id))
        )
    ).all()
    projects = [row[0] for row in rows]
    of_customer = (
        select_columns(col(Project.id))
        .where(
            col(Project.organization_id) == organization_id,
            col(Project.customer_id) == customer.id,
        )
        .scalar_subquery()
    )
    feedback = await _listed(
        session,
        _with_total(Feedback)
        .where(col(Feedback.project_id).in_(of_customer), Feedback.status != FeedbackStatus.closed)
        .order_by(col(Feedback.received_at).desc(), col(Feedback.id)),
    )
    change_requests = await _listed(
        session,
        _with_total(ChangeRequest)
        .where(
            col(ChangeRequest.project_id).in_(of_customer),
            col(ChangeRequest.status).in_(OPEN_CHANGE_REQUESTS),
        )
        .order_by(col(ChangeRequest.id)),
    )
    risks = await _listed(
        session,
        _with_total(Risk)
        .where(
            col(Risk.project_id).in_(of_customer),
            col(Risk.status).in_(OPEN_RISKS),
            col(Risk.score) >= HIGH_SCORE,
        )
        .order_by(col(Risk.score).desc(), col(Risk.id)),
    )
    milestones = await _listed(
        session,
        _with_total(Milestone)
        .where(
            col(Milestone.project_id).in_(of_customer),
            col(Milestone.customer_visible).is_(True),
            Milestone.status != MilestoneStatus.done,
            col(Milestone.due_date) >= today,
        )
        .order_by(col(Milestone.due_date), col(Milestone.id)),
    )
    return AccountOverview.model_validate(
        {
            "customer_id": customer.id,
            "name": customer.name,
            "projects": [
                {
                    **project.model_dump(),
                    "budget": project.budget,
                    "handoff_status": handoff_status or HandoffStatus.not_required,
                    "handoff_accepted_at": accepted_at,
                }
                for project, handoff_status, accepted_at in rows
            ],
            "contracted_total": _totals(projects),
            "satisfaction": await _satisfaction(session, customer),
            "open_feedback": FeedbackList(count=feedback[0], items=feedback[1]),
            "open_change_requests": ChangeRequestList.model_validate(
                {
                    "count": change_requests[0],
                    "items": [
                        {
                            **row.model_dump(),
                            "cost_impact": None
                            if row.cost_impact_amount is None
                            else {
                                "amount": row.cost_impact_amount,
                                "currency": row.cost_impact_currency,
                            },
                        }
                        for row in change_requests[1]
                    ],
                }
            ),
            "open_high_risks": HighRiskList.model_validate(
                {
                    "count": risks[0],
                    "items": [{**row.model_dump(), "band": band_of(row.score)} for row in risks[1]],
                }
            ),
            "upcoming_milestones": MilestoneList(count=milestones[0], items=milestones[1]),
        }
    )
