"""The action items contract."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.schemas import InputModel, LongText, Name, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage
from app.models import ActionItemSource, ActionItemStatus

Title = Annotated[Name, Field(description="What is to be done.")]
SOURCE_DESCRIPTION = (
    "Where it came from: a `meeting`, `feedback`, a `risk`, a `status_report`, or a "
    "`retrospective` (a retrospective or post-project review, as a meeting or a status report)."
)


class SourceInput(InputModel):
    type: ActionItemSource = Field(description=SOURCE_DESCRIPTION)
    id: UUID = Field(description="Its id: an object of the same project.")


class SourceLink(OutputModel):
    type: ActionItemSource
    id: UUID
    href: str = Field(description="Where to read it, e.g. `/v1/meetings/{meeting_id}`.")


class ActionItemCreate(InputModel):
    title: Title
    description: LongText | None = None
    owner_id: UUID = Field(description="The member who owes it.")
    due_date: CalendarDate | None = None
    source: SourceInput | None = None

    model_config = with_examples(
        {
            "title": "Send the data-migration plan to Globex",
            "owner_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e",
            "due_date": "2027-01-19",
            "source": {"type": "meeting", "id": "019ab0c6-1a2b-7c3d-8e4f-5a6b7c8d9e0f"},
        }
    )


class ActionItemUpdate(PatchModel):
    """`done` stamps `completed_at` (and records `action_item.completed`); reopening clears it."""

    model_config = with_examples({"status": "done"})

    title: Title = unchanged()
    description: LongText | None = None
    owner_id: UUID = unchanged()
    due_date: CalendarDate | None = None
    status: ActionItemStatus = unchanged()
    source: SourceInput | None = None


class ActionItemPublic(OutputModel):
    id: UUID
    project_id: UUID
    title: str
    description: str | None
    owner_id: UUID
    due_date: date | None
    status: ActionItemStatus
    overdue: bool = Field(description="Open and past its due date (UTC).")
    completed_at: datetime | None = Field(description="When it was done or dropped.")
    source: SourceLink | None
    version: int
    created_at: datetime
    updated_at: datetime


class ActionItemPage(SyncPage[ActionItemPublic]):
    """A page of action items."""


@dataclass(frozen=True, slots=True)
class ActionItemFilter:
    """What an action-item list is narrowed to (every criterion given must hold)."""

    status: ActionItemStatus | None = None
    overdue: bool | None = None
    updated_since: datetime | None = None
