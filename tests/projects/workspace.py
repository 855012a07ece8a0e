"""Rows of a project's workspace put straight into the database, for tests of derived views.

Each bumps the project's version, as every service that changes a part of a project does
(`touch_project`): derived views are kept and tagged by that version.
"""

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    Milestone,
    MilestoneStatus,
    Project,
    Risk,
    RiskCategory,
    RiskResponse,
    RiskStatus,
)
from tests.factories import Tenant


async def add_milestone(tenant: Tenant, project_id: str, due: date, **overrides: Any) -> Milestone:
    async with tenant.database.transaction() as session:
        milestone = Milestone(
            organization_id=tenant.organization_id,
            project_id=UUID(project_id),
            name=overrides.pop("name", f"Milestone due {due}"),
            due_date=due,
            baseline_due_date=due,
            status=overrides.pop("status", MilestoneStatus.planned),
            **overrides,
        )
        session.add(milestone)
        await _touch(session, project_id)
    return milestone


async def add_risk(
    tenant: Tenant, project_id: str, probability: int, impact: int, **overrides: Any
) -> Risk:
    async with tenant.database.transaction() as session:
        risk = Risk(
            organization_id=tenant.organization_id,
            project_id=UUID(project_id),
            title=overrides.pop("title", f"Risk {probability}x{impact}"),
            category=RiskCategory.schedule,
            probability=probability,
            impact=impact,
            score=probability * impact,
            response=RiskResponse.accept,
            status=overrides.pop("status", RiskStatus.open),
            **overrides,
        )
        session.add(risk)
        await _touch(session, project_id)
    return risk


async def _touch(session: AsyncSession, project_id: str) -> None:
    await session.exec(
        update(Project)
        .where(Project.id == UUID(project_id))  # type: ignore[arg-type]
        .values(version=Project.version + 1)
    )
