"""The allocations contract: a member's share of capacity on a project, and over-allocations."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.schemas import InputModel, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage

MAX_ALLOCATION_DAYS = 1096  # three years, a leap day included
MAX_CONFLICT_WINDOW_DAYS = 366

Percent = Annotated[
    int,
    Field(ge=1, le=100, description="Share of the member's capacity, every day of the range."),
]
StartDate = Annotated[CalendarDate, Field(description="First day, included.")]
EndDate = Annotated[
    CalendarDate,
    Field(
        description=f"Last day, included; not before start_date, at most {MAX_ALLOCATION_DAYS} "
        "days in all."
    ),
]


class AllocationCreate(InputModel):
    member_id: UUID = Field(description="A member of your organization.")
    start_date: StartDate
    end_date: EndDate
    percent: Percent

    model_config = with_examples(
        {
            "member_id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b",
            "start_date": "2026-12-01",
            "end_date": "2027-02-28",
            "percent": 50,
        }
    )


class AllocationUpdate(PatchModel):
    model_config = with_examples({"end_date": "2027-02-28", "percent": 50})

    member_id: UUID = unchanged()
    start_date: StartDate = unchanged()
    end_date: EndDate = unchanged()
    percent: Percent = unchanged()


class AllocationPublic(OutputModel):
    id: UUID
    project_id: UUID
    member_id: UUID
    start_date: date
    end_date: date
    percent: int
    version: int
    created_at: datetime
    updated_at: datetime


class AllocationPage(SyncPage[AllocationPublic]):
    """A page of allocations."""


class AllocationConflict(OutputModel):
    """Days on which a member is booked over 100%, and the allocations that add up to it."""

    member_id: UUID
    start_date: date = Field(description="First over-allocated day of the range, included.")
    end_date: date = Field(description="Last day of the range, included.")
    total_percent: int = Field(description="Sum of the allocations' percents on these days.")
    allocation_ids: list[UUID] = Field(description="The allocations booked on these days.")
    project_ids: list[UUID] = Field(description="Their projects, each once.")


class AllocationConflicts(OutputModel):
    """Over-allocations within a window, by member then date. Within a range the same
    allocations apply every day; a change of them starts a new range. Allocations of archived
    projects do not count."""

    from_date: date
    to_date: date
    conflicts: list[AllocationConflict]


@dataclass(frozen=True, slots=True)
class AllocationWindow:
    """What both allocation lists are narrowed to: the allocations that overlap the days from
    `start` to `end`, changed since `updated_since` (every bound given must hold)."""

    start: date | None = None
    end: date | None = None
    updated_since: datetime | None = None
