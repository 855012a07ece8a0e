"""The customer tasks contract: what the customer must do, by when, and what it unblocks."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.pagination import Page
from app.core.schemas import InputModel, LongText, Name, OutputModel, PatchModel, unchanged
from app.models import CustomerTaskStatus

MAX_CUSTOMER_TASKS_PER_PROJECT = 200

Title = Annotated[Name, Field(description="What the customer is to do.")]
MilestoneId = Annotated[UUID, Field(description="The milestone of the same project it unblocks.")]


class CustomerTaskCreate(InputModel):
    title: Title
    description: LongText | None = Field(
        None, description="Shown to the customer on the share page."
    )
    due_date: CalendarDate | None = None
    milestone_id: MilestoneId | None = None

    model_config = with_examples(
        {
            "title": "Send us an export of your current customer list",
            "due_date": "2027-01-19",
            "milestone_id": "019ab0c5-0a1b-7c2d-9e3f-4a5b6c7d8e9f",
        }
    )


class CustomerTaskUpdate(PatchModel):
    """`done` stamps `done_at`; reopening clears it."""

    model_config = with_examples({"due_date": "2027-01-26"})

    title: Title = unchanged()
    description: LongText | None = None
    due_date: CalendarDate | None = None
    milestone_id: MilestoneId | None = None
    status: CustomerTaskStatus = unchanged()


class CustomerTaskPublic(OutputModel):
    id: UUID
    project_id: UUID
    title: str
    description: str | None
    due_date: date | None
    milestone_id: UUID | None
    status: CustomerTaskStatus
    overdue: bool = Field(description="Open and past its due date (UTC): waiting for the customer.")
    done_at: datetime | None
    done_by_name: str | None = Field(description="Who marked it done on the share page.")
    done_via_share_link_id: UUID | None = Field(
        description="The share link it was marked done through (null: through the API)."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerTaskPage(Page[CustomerTaskPublic]):
    """A page of a project's customer tasks, oldest first."""
