"""`data` of the handoff's events: the brief accepted or returned, the customer's tasks."""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from app.events.payloads.base import (
    MEMBER_ID,
    MILESTONE_ID,
    OTHER_MEMBER_ID,
    PROJECT_ID,
    RISK_ID,
    SHARE_LINK_ID,
    TIMESTAMP,
    EventData,
    ProjectId,
    Version,
    example,
)

HANDOFF_ID = "019ab0c5-6a7b-7c8d-9e0f-a1b2c3d4e5f6"
_HANDOFF = {"handoff_id": HANDOFF_ID, "version": 1, "project_id": PROJECT_ID}


class HandoffEventData(EventData):
    handoff_id: UUID = Field(description="The handoff brief.")
    version: Version
    project_id: ProjectId


class HandoffAcceptedData(HandoffEventData):
    accepted_at: datetime
    won_to_accepted_seconds: int | None = Field(
        description="From the deal's win to this acceptance (null: the project had no deal)."
    )
    carried_risk_ids: list[UUID] = Field(
        description="Risks of the brief registered on acceptance (`carry_risks`)."
    )

    model_config = example(
        _HANDOFF,
        version=4,
        accepted_at=TIMESTAMP,
        won_to_accepted_seconds=183_600,
        carried_risk_ids=[RISK_ID],
    )


class HandoffReturnedData(HandoffEventData):
    returned_at: datetime
    reason: str = Field(description="What the project manager asks of sales.")
    sales_owner_id: UUID | None = Field(description="Who the questions are for.")
    project_manager_id: UUID | None

    model_config = example(
        _HANDOFF,
        version=3,
        returned_at="2027-01-17T15:02:44.120000Z",
        reason="Which of the two data centres did we promise for hosting?",
        sales_owner_id=MEMBER_ID,
        project_manager_id=OTHER_MEMBER_ID,
    )


CUSTOMER_TASK_ID = "019ab0c5-7b8c-7d9e-8f0a-b1c2d3e4f5a6"
_TASK = {
    "customer_task_id": CUSTOMER_TASK_ID,
    "version": 1,
    "project_id": PROJECT_ID,
    "title": "Send us an export of your customer list",
    "milestone_id": MILESTONE_ID,
}


class CustomerTaskEventData(EventData):
    customer_task_id: UUID
    version: Version
    project_id: ProjectId
    title: str
    milestone_id: UUID | None = Field(description="The milestone it unblocks.")


class CustomerTaskCompletedData(CustomerTaskEventData):
    done_at: datetime
    done_by_name: str | None = Field(description="The name the customer gave on the share page.")
    share_link_id: UUID | None = Field(
        description="The share link it was done through (null: through the API)."
    )

    model_config = example(
        _TASK,
        version=2,
        done_at=TIMESTAMP,
        done_by_name="Sam Lee",
        share_link_id=SHARE_LINK_ID,
    )


class CustomerTaskOverdueData(CustomerTaskEventData):
    due_date: date

    model_config = example(_TASK, due_date="2027-01-15")
