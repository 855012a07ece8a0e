"""The milestones contract: milestones, their dependencies, and the project's timeline."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.schemas import InputModel, LongText, Name, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage
from app.models import MilestoneStatus

MAX_DEPENDENCIES = 50
MAX_MILESTONES_PER_PROJECT = 500

DependsOn = Annotated[
    list[UUID],
    Field(
        max_length=MAX_DEPENDENCIES,
        description="Milestones of the same project that must be finished first (at most "
        f"{MAX_DEPENDENCIES}; repeated ids count once). None may be due after this one, and "
        "the dependencies may form no cycle.",
    ),
]
OwnerId = Annotated[UUID | None, Field(description="A member: who answers for the milestone.")]
CompletedDate = Annotated[
    CalendarDate | None,
    Field(description="When it was done: only with status `done`, which defaults it to today."),
]


class MilestoneCreate(InputModel):
    name: Name
    description: LongText | None = None
    start_date: CalendarDate | None = Field(
        None, description="When work starts; not after `due_date`."
    )
    due_date: CalendarDate = Field(description="Also becomes the `baseline_due_date`.")
    owner_id: OwnerId = None
    status: MilestoneStatus = MilestoneStatus.planned
    completed_date: CompletedDate = None
    customer_visible: bool = Field(False, description="Shown to the customer on share pages.")
    depends_on: DependsOn = Field(default_factory=list)
    requires_sign_off: bool = Field(
        False, description="The customer signs it off on the share page (customer-visible ones)."
    )
    acceptance: bool = Field(
        False, description="Its sign-off is the customer's acceptance (time to value ends there)."
    )

    model_config = with_examples(
        {
            "name": "Data migration signed off",
            "start_date": "2027-01-11",
            "due_date": "2027-02-05",
            "owner_id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b",
            "customer_visible": True,
            "depends_on": ["019ab0c4-8a10-7d2e-b1f4-0e9c3a7d5b61"],
        }
    )


class MilestoneUpdate(PatchModel):
    """A JSON merge patch; `depends_on`, when present, replaces the whole set."""

    model_config = with_examples({"status": "done", "completed_date": "2027-01-15"})

    name: Name = unchanged()
    description: LongText | None = None
    start_date: CalendarDate | None = None
    due_date: CalendarDate = unchanged()
    owner_id: OwnerId = None
    status: MilestoneStatus = unchanged()
    completed_date: CompletedDate = None
    customer_visible: bool = unchanged()
    depends_on: DependsOn = unchanged()
    requires_sign_off: bool = unchanged()
    acceptance: bool = unchanged()


class MilestonePublic(OutputModel):
    id: UUID
    project_id: UUID
    name: str
    description: str | None
    start_date: date | None
    due_date: date
    baseline_due_date: date = Field(
        description="The due date as first planned; set at creation, moved only by approved "
        "change requests, never by a PATCH."
    )
    owner_id: UUID | None
    status: MilestoneStatus
    completed_date: date | None
    customer_visible: bool
    depends_on: list[UUID] = Field(description="Ids of the milestones this one depends on.")
    requires_sign_off: bool
    acceptance: bool
    signed_off_at: datetime | None = Field(description="When the customer signed it off.")
    signed_off_by_name: str | None = Field(description="The name the signer gave.")
    signed_off_via_share_link_id: UUID | None = Field(description="The link it was signed through.")
    sign_off_comment: str | None
    overdue: bool = Field(description="`due_date` is before today and the status is not `done`.")
    slip_days: int = Field(
        ge=0,
        description="Days behind the baseline, never negative: for a `done` milestone "
        "`completed_date − baseline_due_date`; otherwise the later of today and `due_date`, "
        "minus `baseline_due_date` (an overdue milestone slips a day more every day). "
        "`0` when on or ahead of the baseline.",
    )
    version: int
    created_at: datetime
    updated_at: datetime


class MilestonePage(SyncPage[MilestonePublic]):
    """A page of milestones."""


class TimelineMilestone(OutputModel):
    """A bar of the Gantt chart."""

    id: UUID
    name: str
    start: date = Field(
        description="`start_date`, else the latest `due_date` of its dependencies, else the "
        "project's `start_date`, else `due`; never after `due`."
    )
    due: date
    baseline_due: date = Field(
        description="The due date as first planned; where it differs from `due`, the chart "
        "draws a ghost bar."
    )
    status: MilestoneStatus
    completed_date: date | None
    customer_visible: bool
    depends_on: list[UUID]
    on_critical_path: bool


class ProjectTimeline(OutputModel):
    """A project's milestones as a Gantt chart: bars, arrows, and the critical path.

    Its ETag is the project's version, which moves on every milestone change.
    """

    project_id: UUID
    start_date: date | None = Field(description="The project's start date.")
    target_end_date: date | None = Field(description="The project's target end date.")
    milestones: list[TimelineMilestone] = Field(
        description="Ordered by `start`, then `due`, then creation."
    )
    critical_path: list[UUID] = Field(
        description="First to last: the chain of dependencies with the longest total duration "
        "(days from `start` to `due`) ending at the milestone due last; empty without milestones."
    )
