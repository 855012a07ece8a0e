"""Actual costs booked on a project: what budget variance is measured against."""

from collections.abc import Sequence
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, project_select
from app.costs.schemas import CostEntryCreate
from app.models import Project
from app.models.base import today
from app.models.kpi import CostEntry
from app.projects.lifecycle import ensure_active
from app.projects.service import active_project_of


class CostEntryNotFound(NotFound):
    subject = "cost entry"


async def get_cost_entry(session: AsyncSession, caller: Caller, cost_entry_id: UUID) -> CostEntry:
    return await get_owned(session, caller, CostEntry, cost_entry_id, CostEntryNotFound)


async def list_cost_entries(
    session: AsyncSession, project: Project, page: PageParams
) -> Sequence[CostEntry]:
    statement = project_select(CostEntry, project)
    return (await session.exec(page.keyset(statement, CostEntry.id))).all()


async def book_cost(session: AsyncSession, project: Project, data: CostEntryCreate) -> CostEntry:
    """A cost is in the project's budget currency (variance compares like with like) and has
    been incurred, not planned: no future dates."""
    ensure_active(project)
    problems = []
    if project.budget_currency is not None and data.cost.currency != project.budget_currency:
        problems.append(
            FieldProblem(
                loc=["body", "cost", "currency"],
                message=f"must be the project's budget currency, {project.budget_currency}",
                type="currency_mismatch",
            )
        )
    if data.incurred_on > today():
        problems.append(
            FieldProblem(
                loc=["body", "incurred_on"], message="must not be in the future", type="future"
            )
        )
    if problems:
        raise InvalidInput("The cost entry cannot be booked.", errors=problems)
    entry = CostEntry(
        organization_id=project.organization_id,
        project_id=project.id,
        amount=data.cost.amount,
        currency=data.cost.currency,
        incurred_on=data.incurred_on,
        description=data.description,
    )
    session.add(entry)
    await session.flush()
    return entry


async def delete_cost_entry(session: AsyncSession, entry: CostEntry) -> None:
    await active_project_of(session, entry)
    await session.delete(entry)
    await session.flush()
