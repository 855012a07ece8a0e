"""The feedback contract."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, computed_field

from app.core.examples import with_examples
from app.core.moments import Moment
from app.core.schemas import InputModel, LongText, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage
from app.models import FeedbackCategory, FeedbackSource, FeedbackStatus, Sentiment

Text = Annotated[LongText, Field(min_length=1, description="What was said, in their words.")]
MilestoneId = Annotated[
    UUID, Field(description="The milestone it is about: a milestone of the same project.")
]
ResponseToCustomer = Annotated[LongText, Field(description="What was answered to the customer.")]


class FeedbackCreate(InputModel):
    source: FeedbackSource
    entered_by_id: UUID | None = Field(
        default=None,
        description="The member who entered it (sales passing on what the customer said, the "
        "project manager): a member of the organization. Null for what the customer left on the "
        "share page.",
    )
    category: FeedbackCategory
    sentiment: Sentiment
    text: Text
    milestone_id: MilestoneId | None = None
    received_at: Moment | None = Field(
        default=None,
        description="When it was received (not in the future); now when absent. "
        "Starts the clock of the response times.",
    )

    model_config = with_examples(
        {
            "source": "sales",
            "entered_by_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e",
            "category": "timeline",
            "sentiment": "negative",
            "text": "We were told the pilot would start in March.",
            "milestone_id": "019ab0c5-0a1b-7c2d-9e3f-4a5b6c7d8e9f",
        }
    )


class FeedbackUpdate(PatchModel):
    """The status moves through `POST /v1/feedback/{feedback_id}/transitions` only."""

    model_config = with_examples(
        {"response_to_customer": "We added a second trainer for the February sessions."}
    )

    category: FeedbackCategory = unchanged()
    sentiment: Sentiment = unchanged()
    text: Text = unchanged()
    milestone_id: MilestoneId | None = None
    response_to_customer: ResponseToCustomer | None = None


class FeedbackTransitionCreate(InputModel):
    to_status: FeedbackStatus = Field(
        description="One step forward (`new → acknowledged → actioned → closed`); "
        "`closed` may also be reached from any open status."
    )
    member_id: UUID = Field(description="The member who moved it: a member of the organization.")
    response_to_customer: ResponseToCustomer | None = Field(
        default=None, description="What was answered to the customer (replaces the stored one)."
    )

    model_config = with_examples(
        {
            "to_status": "acknowledged",
            "member_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e",
            "response_to_customer": "Thanks, we are looking into the start date.",
        }
    )


def _seconds_between(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds())


class FeedbackPublic(OutputModel):
    id: UUID
    project_id: UUID
    milestone_id: UUID | None
    source: FeedbackSource
    entered_by_id: UUID | None = Field(description="The member who entered it, if any.")
    category: FeedbackCategory
    sentiment: Sentiment
    text: str
    status: FeedbackStatus
    received_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by_id: UUID | None
    actioned_at: datetime | None
    actioned_by_id: UUID | None
    closed_at: datetime | None
    closed_by_id: UUID | None
    response_to_customer: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field(  # type: ignore[prop-decorator]
        description="Whole seconds from `received_at` to `acknowledged_at`; null until "
        "acknowledged (and for feedback closed without being acknowledged)."
    )
    @property
    def time_to_acknowledge_seconds(self) -> int | None:
        return _seconds_between(self.received_at, self.acknowledged_at)

    @computed_field(  # type: ignore[prop-decorator]
        description="Whole seconds from `received_at` to `closed_at`; null until closed."
    )
    @property
    def time_to_close_seconds(self) -> int | None:
        return _seconds_between(self.received_at, self.closed_at)


class FeedbackPage(SyncPage[FeedbackPublic]):
    """A page of feedback."""


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    """What a feedback list is narrowed to (every criterion given must hold)."""

    status: FeedbackStatus | None = None
    sentiment: Sentiment | None = None
    category: FeedbackCategory | None = None
    source: FeedbackSource | None = None
    updated_since: datetime | None = None
