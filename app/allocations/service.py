"""Allocations: a member on a project for a date range, at a share of their capacity.

Over-allocation is reported (see `conflicts.py`), never refused: planning often starts over 100%
and is levelled afterwards. What is refused is a member on more than MAX_OVERLAPPING allocations
on any one day: no one works on that many things at once, and the conflicts report, which
lists a day's allocations with it, stays a readable size.
"""

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from sqlalchemy import literal_column, union_all
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.allocations.schemas import (
    MAX_ALLOCATION_DAYS,
    AllocationCreate,
    AllocationUpdate,
    AllocationWindow,
)
from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_select
from app.core.writes import assign, locked, new_values
from app.members.service import require_members
from app.models import Allocation, Member, Project
from app.projects.lifecycle import ensure_active
from app.projects.service import active_project_of

_ARCHIVED = "The project is archived: its allocations can no longer change."
MAX_OVERLAPPING = 50


class AllocationNotFound(NotFound):
    subject = "allocation"


class TooManyAllocations(Conflict):
    slug = "too-many-allocations"


async def get_allocation(session: AsyncSession, caller: Caller, allocation_id: UUID) -> Allocation:
    return await get_owned(session, caller, Allocation, allocation_id, AllocationNotFound)


async def list_allocations(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    window: AllocationWindow,
    *,
    project_id: UUID | None = None,
    member_id: UUID | None = None,
) -> Sequence[Allocation]:
    statement = where_given(
        owned_select(Allocation, caller),
        {Allocation.project_id: project_id, Allocation.member_id: member_id},
        at_least={Allocation.end_date: window.start, Allocation.updated_at: window.updated_since},
        at_most={Allocation.start_date: window.end},
    )
    return (await session.exec(page.keyset(statement, Allocation.id))).all()


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


async def _fullest_day(
    session: AsyncSession, member_id: UUID, start: date, end: date, allocation_id: UUID | None
) -> tuple[date, int] | None:
    """The member's first day in [start, end] with the most allocations of active projects
    (`allocation_id` left out) and how many, or None: one row, however many allocations.

    Each allocation counts +1 on its first day and -1 on its last, after that day's +1s, so the
    running sum is each day's count. Only allocations overlapping the range are read: one on a
    day before `start` is on `start` too, so a fullest day found before the range is `start`."""
    overlapping = (
        select(col(Allocation.start_date), col(Allocation.end_date))
        .join(Project, col(Project.id) == col(Allocation.project_id))
        .where(
            col(Allocation.member_id) == member_id,
            col(Allocation.start_date) <= end,
            col(Allocation.end_date) >= start,
            col(Allocation.id) != allocation_id,
            col(Project.archived_at).is_(None),
        )
        .cte("overlapping")
    )
    steps = union_all(
        select(overlapping.c.start_date.label("day"), literal_column("1").label("step")),
        select(overlapping.c.end_date, literal_column("-1")),
    ).subquery("steps")
    on_day = func.sum(steps.c.step).over(order_by=(steps.c.day, steps.c.step.desc()))
    counted = select(steps.c.day, on_day.label("allocations")).subquery("counted")
    fullest = (
        select(counted.c.day, counted.c.allocations)
        .order_by(counted.c.allocations.desc(), counted.c.day)
        .limit(1)
    )
    row = (await session.exec(fullest)).first()
    return None if row is None else (max(row[0], start), int(row[1]))


async def _ensure_member_room(
    session: AsyncSession,
    member_id: UUID,
    start: date,
    end: date,
    allocation_id: UUID | None = None,
) -> None:
    """Refuse (409) an allocation that would put the member on more than MAX_OVERLAPPING
    allocations of active projects on any one of its days. The member's row is locked first
    (FOR NO KEY UPDATE: an allocation's key check on it still passes), so two concurrent
    bookings of one member count one after the other."""
    await session.exec(locked(select(Member.id).where(Member.id == member_id)))
    fullest = await _fullest_day(session, member_id, start, end, allocation_id)
    if fullest is not None and fullest[1] >= MAX_OVERLAPPING:
        day, allocations = fullest
        raise TooManyAllocations(
            f"The member is on {allocations} allocations on {day.isoformat()} already, and on "
            f"at most {MAX_OVERLAPPING} on any one day; end or delete one of them first."
        )


def _takes_new_days(allocation: Allocation, member_id: UUID, start: date, end: date) -> bool:
    """Whether a change puts the allocation on days (or a member) it was not on: one kept within
    its own days for the same member adds to no day's count, so a member already over the limit
    can still shorten it."""
    return (
        member_id != allocation.member_id
        or start < allocation.start_date
        or end > allocation.end_date
    )


async def create_allocation(
    session: AsyncSession, caller: Caller, project: Project, data: AllocationCreate
) -> Allocation:
    """A member of the organization on an active project, for a valid range."""
    ensure_active(project, _ARCHIVED)
    await require_members(session, caller, {"member_id": data.member_id})
    _check_range(data.start_date, data.end_date)
    await _ensure_member_room(session, data.member_id, data.start_date, data.end_date)
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
    await active_project_of(session, allocation, _ARCHIVED)
    changes = new_values(allocation, data.changes())
    if "member_id" in changes:
        await require_members(session, caller, {"member_id": changes["member_id"]})
    member_id = changes.get("member_id", allocation.member_id)
    start = changes.get("start_date", allocation.start_date)
    end = changes.get("end_date", allocation.end_date)
    _check_range(start, end)
    if not changes:
        return allocation
    if _takes_new_days(allocation, member_id, start, end):
        await _ensure_member_room(session, member_id, start, end, allocation.id)
    assign(allocation, changes)
    await session.flush()
    await record_change(session, "allocation.updated", allocation, changes)
    return allocation


async def delete_allocation(session: AsyncSession, allocation: Allocation) -> None:
    await active_project_of(session, allocation, _ARCHIVED)
    await record_change(
        session, "allocation.deleted", allocation, {"member_id": allocation.member_id}
    )
    await session.delete(allocation)
    await session.flush()
