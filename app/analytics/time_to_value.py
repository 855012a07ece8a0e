"""Time to value across the portfolio: by template, project manager and sales owner."""

from uuid import UUID

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from app.analytics.service import Window
from app.core.auth import Caller
from app.kpis import time_to_value
from app.kpis.time_to_value import Summary


class TimeToValue(BaseModel):
    projects: int = Field(description="Projects accepted in the window with a deal close date.")
    median_days: float | None = Field(description="Median days from close to acceptance.")
    within_target_share: float | None = Field(
        description="Share of those projects accepted within `target_days` (0–1)."
    )


class TimeToValueGroup(TimeToValue):
    id: UUID | None = Field(description="The template or member; null: none.")


class TimeToValueAnalytics(BaseModel):
    from_date: str
    to_date: str
    target_days: int
    organization: TimeToValue
    by_template: list[TimeToValueGroup] = Field(description="`id` null: the built-in template.")
    by_project_manager: list[TimeToValueGroup]
    by_sales_owner: list[TimeToValueGroup]


def _of(summary: Summary) -> dict[str, object]:
    return {
        "projects": summary.projects,
        "median_days": summary.median_days,
        "within_target_share": summary.within_target_share,
    }


async def portfolio_time_to_value(
    session: AsyncSession, caller: Caller, span: Window, target_days: int
) -> TimeToValueAnalytics:
    """Projects accepted in the window: the median days from the deal's close to the customer's
    acceptance, and the share within the target, overall and per group."""
    values = await time_to_value.project_values(
        session, caller.organization_id, span.start, span.end
    )

    def groups(key: time_to_value.Key) -> list[TimeToValueGroup]:
        return [
            TimeToValueGroup(id=group, **_of(summary))
            for group, summary in time_to_value.grouped(values, key, target_days)
        ]

    return TimeToValueAnalytics(
        from_date=span.start.isoformat(),
        to_date=span.end.isoformat(),
        target_days=target_days,
        organization=TimeToValue(**_of(time_to_value.summarise(values, target_days))),
        by_template=groups(lambda value: value.project_template_id),
        by_project_manager=groups(lambda value: value.project_manager_id),
        by_sales_owner=groups(lambda value: value.sales_owner_id),
    )
