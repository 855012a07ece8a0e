"""Time to value: days from the deal's close date to the customer's acceptance, per project.

The acceptance is the sign-off of the project's acceptance milestone (the template marks it),
else the project's customer acceptance date. Projects without a deal close date or not yet
accepted have no value. A project counts in the window its acceptance falls in.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Deal, HandoffBrief, Milestone, Project


@dataclass(frozen=True, slots=True)
class ProjectValue:
    project_id: UUID
    project_template_id: UUID | None
    project_manager_id: UUID | None
    sales_owner_id: UUID | None
    close_date: date
    accepted_on: date

    @property
    def days(self) -> int:
        return (self.accepted_on - self.close_date).days


async def project_values(
    session: AsyncSession,
    organization_id: UUID,
    start: date,
    end: date,
    *,
    project_id: UUID | None = None,
    project_manager_id: UUID | None = None,
    sales_owner_id: UUID | None = None,
) -> list[ProjectValue]:
    """Each project of the organization (or the one named) accepted in [start, end], with the
    figures time to value is made of: two statements whatever the number of projects."""
    projects: Any = (
        select(
            col(Project.id),
            col(HandoffBrief.project_template_id),
            col(Project.project_manager_id),
            col(Project.sales_owner_id),
            col(Deal.close_date),
            col(Project.customer_acceptance_date),
        )
        .join(Deal, col(Deal.project_id) == col(Project.id))
        .outerjoin(HandoffBrief, col(HandoffBrief.project_id) == col(Project.id))
        .where(col(Project.organization_id) == organization_id, col(Deal.close_date).is_not(None))
    )
    signed: Any = (
        select(col(Milestone.project_id), func.min(col(Milestone.signed_off_at)))
        .where(
            col(Milestone.organization_id) == organization_id,
            col(Milestone.acceptance).is_(True),
            col(Milestone.signed_off_at).is_not(None),
        )
        .group_by(col(Milestone.project_id))
    )
    for column, value in (
        (Project.id, project_id),
        (Project.project_manager_id, project_manager_id),
        (Project.sales_owner_id, sales_owner_id),
    ):
        if value is not None:
            projects = projects.where(col(column) == value)
    if project_id is not None:
        signed = signed.where(col(Milestone.project_id) == project_id)
    sign_offs = {row[0]: _day(row[1]) for row in await session.exec(signed)}
    found = []
    for pid, template_id, manager_id, owner_id, closed, accepted in await session.exec(projects):
        accepted_on = sign_offs.get(pid) or accepted
        if accepted_on is not None and start <= accepted_on <= end:
            found.append(ProjectValue(pid, template_id, manager_id, owner_id, closed, accepted_on))
    return found


def _day(value: Any) -> date:
    """A sign-off moment as its UTC day (SQLite hands an aggregate's timestamp back as text)."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if hasattr(value, "date") else value  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Summary:
    projects: int
    median_days: float | None
    within_target_share: float | None


def summarise(values: Iterable[ProjectValue], target_days: int | None) -> Summary:
    days = [value.days for value in values]
    if not days:
        return Summary(0, None, None)
    within = None if target_days is None else sum(d <= target_days for d in days) / len(days)
    return Summary(len(days), float(median(days)), None if within is None else round(within, 3))


Key = Callable[[ProjectValue], UUID | None]


def grouped(
    values: list[ProjectValue], key: Key, target: int | None
) -> list[tuple[UUID | None, Summary]]:
    """One summary per key, in key order (projects without one last)."""
    groups: dict[UUID | None, list[ProjectValue]] = defaultdict(list)
    for value in values:
        groups[key(value)].append(value)
    ordered = sorted(groups, key=lambda k: (k is None, str(k)))
    return [(k, summarise(groups[k], target)) for k in ordered]
