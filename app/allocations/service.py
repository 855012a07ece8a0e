"""Allocations: a member on a project for a date range, at a share of their capacity.

Over-allocation is reported (see `conflicts.py`), never refused: planning often starts over 100%
and is levelled afterwards.
"""

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.allocations.schemas import MAX_ALLOCATION_DAYS, AllocationCreate, AllocationUpdate
from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.events import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.members.service import require_members
from app.models import Allocation, Project
from app.projects.service import ProjectArchived


class AllocationNotFound(NotFound):
    subject = "allocation"


async def get_allocation(session: AsyncSession, caller: Caller, allocation_id: UUID) -> Allocation:
    return await get_owned(session, caller, Allocation, allocation_id, AllocationNotFound)


async def list_allocations(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    project_id: UUID | None = None,
    member_id: UUID | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    updated_since: datetime | None = None,
) -> Sequence[Allocation]:
    """`from_date`/`to_date` keep the allocations that overlap that window."""
    statement = select(Allocation).where(Allocation.organization_id == caller.organization_id)
    if project_id is not None:
        statement = statement.where(Allocation.project_id == project_id)
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    if from_date is not None:
        statement = statement.where(Allocation.end_date >= from_date)
    if to_date is not None:
        statement = statement.where(Allocation.start_date <= to_date)
    if updated_since is not None:
        statement = statement.where(Allocation.updated_at >= updated_since)
    return (await session.exec(page.keyset(statement, Allocation.id))).all()


def _writable(project: Project) -> Project:
    """An archived project is read-only, its allocations included (409)."""
    if project.archived_at is not None:
        raise ProjectArchived("The project is archived: its allocations can no longer change.")
    return project


async def _project_of(session: AsyncSession, allocation: Allocation) -> Project:
    project = await session.get(Project, allocation.project_id)
    assert project is not None  # the foreign key guarantees it
    return _writable(project)


def _check_range(start: date, end: date) -> None:
    """The end is not before the start, and a range spans at most MAX_ALLOCATION_DAYS days."""
    if end < start:
        problem = FieldProblem(
            loc=["body", "end_date"], message="Before start_date.", type="date_order"
        )
    elif (end - start).days + 1 > MAX_ALLOCATION_DAYS:
        problem = FieldProblem(
            loc=["body", "end_date"],
            message=f"An allocation spans at most {MAX_ALLOCATION_DAYS} days.",
            type="range_too_long",
        )
    else:
        return
    raise InvalidInput("The allocation's dates are not a valid range.", errors=[problem])


async def create_allocation(
    session: AsyncSession, caller: Caller, project: Project, data: AllocationCreate
) -> Allocation:
    """A member of the organization on an active project, for a valid range."""
    _writable(project)
    await require_members(session, caller, {"member_id": data.member_id})
    _check_range(data.start_date, data.end_date)
    allocation = Allocation(
        organization_id=caller.organization_id, project_id=project.id, **data.model_dump()
    )
    session.add(allocation)
    await session.flush()
    await record_change(session, "allocation.created", allocation, data.model_dump())
    return allocation


async def update_allocation(
    session: AsyncSession, caller: Caller, allocation: Allocation, data: AllocationUpdate
) -> Allocation:
    """Apply a merge patch; the range is checked as it will be. Changing nothing writes nothing."""
    await _project_of(session, allocation)
    changes = {
        field: value
        for field, value in data.changes().items()
        if getattr(allocation, field) != value
    }
    if "member_id" in changes:
        await require_members(session, caller, {"member_id": changes["member_id"]})
    _check_range(
        changes.get("start_date", allocation.start_date),
        changes.get("end_date", allocation.end_date),
    )
    if not changes:
        return allocation
    for field, value in changes.items():
        setattr(allocation, field, value)
    await session.flush()
    await record_change(session, "allocation.updated", allocation, changes)
    return allocation


async def delete_allocation(session: AsyncSession, allocation: Allocation) -> None:
    await _project_of(session, allocation)
    await record_change(
        session, "allocation.deleted", allocation, {"member_id": allocation.member_id}
    )
    await session.delete(allocation)
    await session.flush()
