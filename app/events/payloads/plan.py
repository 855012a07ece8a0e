"""`data` of the events of a project's plan: milestones and allocations."""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from app.core.schemas import unchanged
from app.events.payloads.base import (
    ALLOCATION_ID,
    MEMBER_ID,
    MILESTONE_ID,
    OTHER_MILESTONE_ID,
    PROJECT_ID,
    SHARE_LINK_ID,
    EventData,
    ProjectId,
    Version,
    example,
)
from app.models import MilestoneStatus


class MilestoneEventData(EventData):
    milestone_id: UUID = Field(description="The milestone.")
    version: Version
    project_id: ProjectId


_MILESTONE = {"milestone_id": MILESTONE_ID, "version": 1, "project_id": PROJECT_ID}


class MilestoneCreatedData(MilestoneEventData):
    name: str
    start_date: date | None
    due_date: date
    baseline_due_date: date = Field(description="The due date as first planned.")
    owner_id: UUID | None
    status: MilestoneStatus
    completed_date: date | None
    customer_visible: bool
    depends_on: list[UUID] = Field(description="Milestones that must be finished first.")

    model_config = example(
        _MILESTONE,
        name="Data migration signed off",
        start_date="2027-01-11",
        due_date="2027-02-05",
        baseline_due_date="2027-02-05",
        owner_id=MEMBER_ID,
        status="planned",
        completed_date=None,
        customer_visible=True,
        depends_on=[OTHER_MILESTONE_ID],
    )


class MilestoneUpdatedData(MilestoneEventData):
    """The fields that changed, with their new values (`null`: cleared); absent: unchanged.
    `depends_on`, when present, is the whole new set (also sent when a milestone it depended on
    was deleted)."""

    name: str = unchanged()
    description: str | None = None
    start_date: date | None = None
    due_date: date = unchanged()
    owner_id: UUID | None = None
    status: MilestoneStatus = unchanged()
    completed_date: date | None = None
    customer_visible: bool = unchanged()
    depends_on: list[UUID] = unchanged()
    requires_sign_off: bool = unchanged()
    acceptance: bool = unchanged()

    model_config = example(
        _MILESTONE,
        version=3,
        due_date="2027-02-12",
        status="in_progress",
    )


class MilestoneCompletedData(MilestoneEventData):
    completed_date: date
    due_date: date
    baseline_due_date: date
    slip_days: int = Field(description="Days the completion was behind the baseline, never < 0.")

    model_config = example(
        _MILESTONE,
        version=4,
        completed_date="2027-02-09",
        due_date="2027-02-12",
        baseline_due_date="2027-02-05",
        slip_days=4,
    )


class MilestoneMissedData(MilestoneEventData):
    due_date: date
    baseline_due_date: date

    model_config = example(
        _MILESTONE,
        version=4,
        due_date="2027-02-12",
        baseline_due_date="2027-02-05",
    )


class MilestoneDeletedData(MilestoneEventData):
    name: str

    model_config = example(_MILESTONE, version=5, name="Data migration")


class AllocationEventData(EventData):
    allocation_id: UUID = Field(description="The allocation.")
    version: Version
    project_id: ProjectId


_ALLOCATION = {"allocation_id": ALLOCATION_ID, "version": 1, "project_id": PROJECT_ID}


class AllocationCreatedData(AllocationEventData):
    member_id: UUID
    start_date: date = Field(description="First day, included.")
    end_date: date = Field(description="Last day, included.")
    percent: int = Field(description="Share of the member's capacity, every day of the range.")

    model_config = example(
        _ALLOCATION,
        member_id=MEMBER_ID,
        start_date="2027-01-04",
        end_date="2027-02-26",
        percent=80,
    )


class AllocationUpdatedData(AllocationEventData):
    """The fields that changed, with their new values."""

    member_id: UUID = unchanged()
    start_date: date = unchanged()
    end_date: date = unchanged()
    percent: int = unchanged()

    model_config = example(_ALLOCATION, version=2, percent=50)


class AllocationDeletedData(AllocationEventData):
    member_id: UUID

    model_config = example(_ALLOCATION, version=3, member_id=MEMBER_ID)


class MilestoneSignedOffData(MilestoneEventData):
    name: str
    signed_off_at: datetime
    signed_off_by_name: str = Field(description="The name the signer typed on the share page.")
    comment: str | None
    share_link_id: UUID = Field(description="The share link it was signed through.")
    acceptance: bool = Field(description="The sign-off is the customer's acceptance.")

    model_config = example(
        _MILESTONE,
        version=5,
        name="Customer acceptance",
        signed_off_at="2027-03-01T10:12:00Z",
        signed_off_by_name="Dana Smith",
        comment="Works as agreed.",
        share_link_id=SHARE_LINK_ID,
        acceptance=True,
    )
