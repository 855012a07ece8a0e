"""Analytics: `/v1/analytics/portfolio` and `/v1/analytics/members/{member_id}`."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from app.analytics import service
from app.analytics.schemas import MemberAnalytics, PortfolioAnalytics
from app.analytics.time_to_value import TimeToValueAnalytics, portfolio_time_to_value
from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.core.moments import CalendarDate
from app.core.routing import api_router

router = api_router("analytics")

AnalyticsReader = Annotated[Caller, requires(Scope.analytics_read)]


async def _window(
    from_date: Annotated[
        CalendarDate | None,
        Query(alias="from", description="First day; 89 days before `to` if absent."),
    ] = None,
    to_date: Annotated[
        CalendarDate | None, Query(alias="to", description="Last day (inclusive); today if absent.")
    ] = None,
) -> service.Window:
    return service.window(from_date, to_date)


WindowDep = Annotated[service.Window, Depends(_window)]


@router.get("/v1/analytics/portfolio")
async def get_portfolio_analytics(
    session: SessionDep, caller: AnalyticsReader, span: WindowDep
) -> PortfolioAnalytics:
    """The built-in metrics over the window for the organization, by phase, by project manager
    and by sales owner — computed by the database in three statements whatever the data size."""
    return await service.portfolio(session, caller, span)


@router.get("/v1/analytics/members/{member_id}")
async def get_member_analytics(
    session: SessionDep, caller: AnalyticsReader, member_id: UUID, span: WindowDep
) -> MemberAnalytics:
    """One member's record over the window: the projects they manage, the ones they sold,
    and their own allocation."""
    return await service.member_record(session, caller, member_id, span)


@router.get("/v1/analytics/time-to-value")
async def get_time_to_value_analytics(
    session: SessionDep,
    caller: AnalyticsReader,
    span: WindowDep,
    target_days: Annotated[
        int, Query(ge=1, le=3650, description="The target: days from close to acceptance.")
    ] = 90,
) -> TimeToValueAnalytics:
    """Time to value of the projects the customer accepted in the window: median days from the
    deal's close to acceptance and the share within target, by template, project manager and
    sales owner."""
    return await portfolio_time_to_value(session, caller, span, target_days)
