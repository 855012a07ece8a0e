"""Rows of a project's workspace put straight into the database, for tests of derived views.

Each moves the project's version, as every write to a part of a project does
(app/projects/changes.py): derived views are kept and tagged by that version.
"""

from datetime import date
from typing import Any
from uuid import UUID

from app.models import (
    Milestone,
    MilestoneStatus,
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
    return risk
