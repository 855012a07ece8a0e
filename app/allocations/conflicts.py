"""Over-allocation: the days on which a member's allocations add up to more than 100%.

One query loads every allocation overlapping the window (ordered by member, then start); a sweep
line per member then walks the days on which its set of allocations changes — O(n log n) for n
allocations, whatever the length of the ranges, so 10,000 allocations stay fast.

Allocations of archived projects are left out: an archived project no longer takes anyone's time.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.allocations.schemas import (
    MAX_CONFLICT_WINDOW_DAYS,
    AllocationConflict,
    AllocationConflicts,
)
from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput
from app.core.tenancy import owned_by
from app.members.service import require_members
from app.models import Allocation, Project

FULL = 100
ONE_DAY = timedelta(days=1)
_COLUMNS: tuple[Any, ...] = (
    col(Allocation.id),
    col(Allocation.member_id),
    col(Allocation.project_id),
    col(Allocation.start_date),
    col(Allocation.end_date),
    col(Allocation.percent),
)


@dataclass(frozen=True, slots=True)
class Booking:
    """An allocation as the sweep sees it."""

    id: UUID
    member_id: UUID
    project_id: UUID
    start_date: date
    end_date: date
    percent: int


def _check_window(from_date: date, to_date: date) -> None:
    if to_date < from_date:
        problem = FieldProblem(loc=["query", "to"], message="Before `from`.", type="date_order")
    elif (to_date - from_date).days + 1 > MAX_CONFLICT_WINDOW_DAYS:
        problem = FieldProblem(
            loc=["query", "to"],
            message=f"The window spans at most {MAX_CONFLICT_WINDOW_DAYS} days.",
            type="range_too_long",
        )
    else:
        return
    raise InvalidInput("The window is not a valid date range.", errors=[problem])


def sweep(bookings: list[Booking], from_date: date, to_date: date) -> list[AllocationConflict]:
    """One member's over-allocated ranges within [from_date, to_date].

    Each booking opens on its first day in the window and closes the day after its last. Between
    two consecutive days on which something opens or closes, the set of bookings is the same
    every day; such a stretch is one range when its total exceeds 100%. Every such day changes
    the set (each booking opens once and closes later), so the ranges are maximal as they are.
    """
    changes: list[tuple[date, int, Booking]] = []
    for booking in bookings:
        changes.append((max(booking.start_date, from_date), 1, booking))
        changes.append((min(booking.end_date, to_date) + ONE_DAY, -1, booking))
    changes.sort(key=lambda change: change[0])
    active: dict[UUID, Booking] = {}
    total = 0
    found: list[AllocationConflict] = []
    since: date | None = None
    for day, group in groupby(changes, key=lambda change: change[0]):
        if since is not None and total > FULL:
            found.append(_conflict(active, since, day - ONE_DAY, total))
        for _, step, booking in group:
            if step > 0:
                active[booking.id] = booking
            else:
                del active[booking.id]
            total += step * booking.percent
        since = day
    return found


def _conflict(
    active: dict[UUID, Booking], start: date, end: date, total: int
) -> AllocationConflict:
    bookings = sorted(active.values(), key=lambda booking: booking.id)
    return AllocationConflict(
        member_id=bookings[0].member_id,
        start_date=start,
        end_date=end,
        total_percent=total,
        allocation_ids=[booking.id for booking in bookings],
        project_ids=sorted({booking.project_id for booking in bookings}),
    )


async def find_conflicts(
    session: AsyncSession,
    caller: Caller,
    from_date: date,
    to_date: date,
    member_id: UUID | None = None,
) -> AllocationConflicts:
    """Every member's over-allocated ranges within the window (at most 366 days), by member then
    date; allocations of archived projects do not count."""
    _check_window(from_date, to_date)
    statement = (
        select(*_COLUMNS)
        .join(Project, col(Project.id) == Allocation.project_id)
        .where(
            owned_by(Allocation, caller),
            col(Project.archived_at).is_(None),
            Allocation.start_date <= to_date,
            Allocation.end_date >= from_date,
        )
        .order_by(col(Allocation.member_id), col(Allocation.start_date))
    )
    if member_id is not None:
        await require_members(session, caller, {"member_id": member_id}, location="query")
        statement = statement.where(Allocation.member_id == member_id)
    bookings = [Booking(*row) for row in await session.exec(statement)]
    conflicts: list[AllocationConflict] = []
    for _, of_member in groupby(bookings, key=lambda booking: booking.member_id):
        conflicts.extend(sweep(list(of_member), from_date, to_date))
    return AllocationConflicts(from_date=from_date, to_date=to_date, conflicts=conflicts)
