"""The baseline: the budget and milestone dates as planned when planning ended.

Approved change requests move the budget and the milestones, never the baseline, so reports can
tell slip caused by approved changes from slip caused by delivery (`report.py`).
"""

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Milestone, Project
from app.models.base import utcnow


async def set_baseline(session: AsyncSession, project: Project) -> None:
    """Freeze the plan as it stands: the budget, and each milestone's due date as its baseline
    (each changed milestone gets a new version). Once per project: later calls do nothing."""
    if project.baseline_set_at is not None:
        return
    now = utcnow()
    project.baseline_set_at = now
    project.baseline_budget_amount = project.budget_amount
    project.baseline_budget_currency = project.budget_currency
    await session.exec(
        update(Milestone)
        .where(
            col(Milestone.project_id) == project.id,
            col(Milestone.baseline_due_date) != col(Milestone.due_date),
        )
        .values(
            baseline_due_date=Milestone.due_date,
            version=Milestone.version + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await session.flush()
