"""`data` of the working rhythm's events: meetings, action items, change requests, lessons,
and the clock's time-based events."""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from app.events.payloads.base import (
    CUSTOMER_ID,
    MEMBER_ID,
    MILESTONE_ID,
    PROJECT_ID,
    RISK_ID,
    EventData,
    ProjectId,
    Version,
    example,
)
from app.models import (
    ActionItemSource,
    LessonCategory,
    LessonOutcome,
    MeetingKind,
)
from app.projects.schemas import Money

MEETING_ID = "019ab0c6-1a2b-7c3d-8e4f-5a6b7c8d9e0f"
CADENCE_ID = "019ab0c6-2b3c-7d4e-9f5a-6b7c8d9e0f1a"
DECISION_ID = "019ab0c6-3c4d-7e5f-8a6b-7c8d9e0f1a2b"
ACTION_ITEM_ID = "019ab0c6-4d5e-7f6a-9b7c-8d9e0f1a2b3c"
CHANGE_REQUEST_ID = "019ab0c6-5e6f-7a7b-8c8d-9e0f1a2b3c4d"
LESSON_ID = "019ab0c6-6f7a-7b8c-9d9e-0f1a2b3c4d5e"


class DecisionData(EventData):
    decision_id: UUID
    text: str
    decided_by_id: UUID | None
    decided_by_name: str | None
    decided_on: date


class MeetingHeldData(EventData):
    meeting_id: UUID
    version: Version
    project_id: ProjectId
    kind: MeetingKind
    title: str
    starts_at: datetime
    held_at: datetime
    decisions: list[DecisionData] = Field(description="What the meeting decided.")

    model_config = example(
        meeting_id=MEETING_ID,
        version=2,
        project_id=PROJECT_ID,
        kind="kickoff",
        title="Kickoff with Globex",
        starts_at="2027-01-12T09:00:00Z",
        held_at="2027-01-12T10:30:00Z",
        decisions=[
            {
                "decision_id": DECISION_ID,
                "text": "Go-live stays on 1 March",
                "decided_by_id": None,
                "decided_by_name": "Hank Scorpio (Globex)",
                "decided_on": "2027-01-12",
            }
        ],
    )


class MeetingUpcomingData(EventData):
    """About a planned meeting (`meeting_id`), or an occurrence of a cadence (`cadence_id`)."""

    meeting_id: UUID | None = None
    cadence_id: UUID | None = None
    version: Version
    project_id: ProjectId
    kind: MeetingKind
    title: str
    starts_at: datetime = Field(description="UTC.")
    local_starts_at: datetime = Field(description="Wall-clock time in `time_zone`.")
    time_zone: str

    model_config = example(
        cadence_id=CADENCE_ID,
        version=1,
        project_id=PROJECT_ID,
        kind="sync",
        title="Weekly sync",
        starts_at="2027-03-30T08:00:00Z",
        local_starts_at="2027-03-30T10:00:00+02:00",
        time_zone="Europe/Berlin",
    )


class ActionItemEventData(EventData):
    action_item_id: UUID
    version: Version
    project_id: ProjectId
    title: str
    owner_id: UUID = Field(description="The member who owes it.")


_ACTION_ITEM = {
    "action_item_id": ACTION_ITEM_ID,
    "version": 1,
    "project_id": PROJECT_ID,
    "title": "Send the data-migration plan to Globex",
    "owner_id": MEMBER_ID,
}


class ActionItemCreatedData(ActionItemEventData):
    due_date: date | None
    source: ActionItemSource | None = Field(description="Where it came from.")
    source_id: UUID | None

    model_config = example(
        _ACTION_ITEM, due_date="2027-01-19", source="meeting", source_id=MEETING_ID
    )


class ActionItemCompletedData(ActionItemEventData):
    completed_at: datetime

    model_config = example(_ACTION_ITEM, version=2, completed_at="2027-01-18T16:02:11Z")


class ActionItemOverdueData(ActionItemEventData):
    due_date: date

    model_config = example(_ACTION_ITEM, due_date="2027-01-19")


class ChangeRequestEventData(EventData):
    change_request_id: UUID
    version: Version
    project_id: ProjectId
    title: str
    member_id: UUID = Field(description="The member who made the move.")


_CHANGE_REQUEST = {
    "change_request_id": CHANGE_REQUEST_ID,
    "project_id": PROJECT_ID,
    "title": "Add the Italian subsidiary to the rollout",
    "member_id": MEMBER_ID,
}


class ChangeRequestSubmittedData(ChangeRequestEventData):
    model_config = example(_CHANGE_REQUEST, version=2)


class MilestoneMove(EventData):
    milestone_id: UUID
    from_due_date: date
    to_due_date: date


class ChangeRequestApprovedData(ChangeRequestEventData):
    schedule_impact_days: int
    milestones_moved: list[MilestoneMove] = Field(description="Each milestone that moved.")
    budget_before: Money | None
    budget_after: Money | None

    model_config = example(
        _CHANGE_REQUEST,
        version=4,
        schedule_impact_days=10,
        milestones_moved=[
            {
                "milestone_id": MILESTONE_ID,
                "from_due_date": "2027-03-01",
                "to_due_date": "2027-03-11",
            }
        ],
        budget_before={"amount": "120000.00", "currency": "EUR"},
        budget_after={"amount": "138000.00", "currency": "EUR"},
    )


class ChangeRequestRejectedData(ChangeRequestEventData):
    model_config = example(_CHANGE_REQUEST, version=4)


class LessonRecordedData(EventData):
    lesson_id: UUID
    version: Version
    project_id: ProjectId
    customer_id: UUID
    meeting_id: UUID | None = Field(description="The retrospective it came from, if any.")
    title: str
    category: LessonCategory
    outcome: LessonOutcome
    tags: list[str]

    model_config = example(
        lesson_id=LESSON_ID,
        version=1,
        project_id=PROJECT_ID,
        customer_id=CUSTOMER_ID,
        meeting_id=MEETING_ID,
        title="Data migration was estimated from the sales deck",
        category="estimation",
        outcome="failure",
        tags=["crm", "data-migration"],
    )


class RiskReviewOverdueData(EventData):
    risk_id: UUID
    version: Version
    project_id: ProjectId
    title: str
    owner_id: UUID | None
    review_date: date
    score: int

    model_config = example(
        risk_id=RISK_ID,
        version=3,
        project_id=PROJECT_ID,
        title="Legacy data is dirty",
        owner_id=MEMBER_ID,
        review_date="2027-01-15",
        score=16,
    )
