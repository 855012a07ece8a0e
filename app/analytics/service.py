"""Portfolio and member analytics: the built-in metrics grouped in SQL (app/kpis/metrics.py)."""

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.analytics.schemas import (
    MemberAnalytics,
    MemberMetrics,
    Metrics,
    PhaseMetrics,
    PortfolioAnalytics,
)
from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput
from app.db import working_memory
from app.kpis.metrics import Figures, Grouping, MetricScope, compute
from app.members.service import get_member
from app.models import Phase
from app.models.base import today
from app.models.kpi import KpiMetric

DEFAULT_DAYS = 90  # a quarter
MAX_DAYS = 3 * 366  # three years: a bound on the work one request may ask for


@dataclass(frozen=True)
class Window:
    start: date
    end: date


def window(from_date: date | None, to_date: date | None) -> Window:
    """Both ends inclusive; the last quarter up to today when absent."""
    end = to_date or today()
    start = from_date or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise _bad_window("`from` is after `to`.", "must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise _bad_window(f"The window is longer than {MAX_DAYS} days.", f"at most {MAX_DAYS} days")
    return Window(start, end)


def _bad_window(detail: str, message: str) -> InvalidInput:
    return InvalidInput(
        detail, errors=[FieldProblem(loc=["query", "to"], message=message, type="window")]
    )


def _scope(caller: Caller, span: Window, **members: UUID) -> MetricScope:
    return MetricScope(
        organization_id=caller.organization_id,
        start=span.start,
        end=span.end,
        today=today(),
        **members,
    )


# The portfolio's statements aggregate every project of the organization. PostgreSQL's default
# 4 MB of `work_mem` makes their hashes of 100,000 projects spill, and the planner turns to sorts
# whose cost grows faster than the data (app/db.py `working_memory`; bench/README.md).
PORTFOLIO_WORK_MEM_MB = 64


async def portfolio(session: AsyncSession, caller: Caller, span: Window) -> PortfolioAnalytics:
    groupings = list(Grouping)
    async with working_memory(session, PORTFOLIO_WORK_MEM_MB):
        figures = await compute(session, _scope(caller, span), groupings)
    by: dict[Grouping, list[tuple[str | None, Figures]]] = {grouping: [] for grouping in groupings}
    for (grouping, key), group in figures.items():
        by[grouping].append((key, group))

    def members(grouping: Grouping) -> list[MemberMetrics]:
        rows = [
            MemberMetrics(
                member_id=None if key is None else UUID(key), **Metrics.of(group).model_dump()
            )
            for key, group in by[grouping]
        ]
        return sorted(rows, key=lambda row: str(row.member_id or ""))

    order = list(Phase)
    by_phase = [
        PhaseMetrics(phase=Phase(key), **Metrics.of(group).model_dump())
        for key, group in by[Grouping.phase]
        if key is not None
    ]
    organization = dict(by[Grouping.organization]).get(None) or Figures(window_days=0)
    return PortfolioAnalytics(
        from_date=span.start,
        to_date=span.end,
        organization=Metrics.of(organization),
        by_phase=sorted(by_phase, key=lambda row: order.index(row.phase)),
        by_project_manager=members(Grouping.project_manager),
        by_sales_owner=members(Grouping.sales_owner),
    )


async def member_record(
    session: AsyncSession, caller: Caller, member_id: UUID, span: Window
) -> MemberAnalytics:
    member = await get_member(session, caller, member_id)
    organization = (Grouping.organization, None)
    managed = await compute(session, _scope(caller, span, project_manager_id=member.id))
    sold = await compute(session, _scope(caller, span, sales_owner_id=member.id))
    own = await compute(
        session,
        _scope(caller, span, allocated_member_id=member.id),
        needs=[KpiMetric.allocation_utilisation],
    )
    load = own.get(organization) or Figures(window_days=0)
    return MemberAnalytics(
        member_id=member.id,
        from_date=span.start,
        to_date=span.end,
        as_project_manager=Metrics.of(managed[organization]),
        as_sales_owner=Metrics.of(sold[organization]),
        allocation_utilisation=load.allocation_utilisation,
        allocated_person_days=round(load.allocated_person_days, 2),
    )
