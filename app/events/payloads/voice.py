"""`data` of the events of the customer's voice: feedback and survey responses."""

from uuid import UUID

from pydantic import Field

from app.events.payloads.base import (
    MILESTONE_ID,
    PROJECT_ID,
    EventData,
    ProjectId,
    Version,
    example,
)
from app.models import FeedbackCategory, FeedbackSource, Sentiment, SurveyKind

FEEDBACK_ID = "019ab0c5-6a7b-7c8d-9e9f-a0b1c2d3e4f6"
SURVEY_RESPONSE_ID = "019ab0c5-7b8c-7d9e-8fa0-b1c2d3e4f5a7"


class FeedbackReceivedData(EventData):
    feedback_id: UUID
    version: Version
    project_id: ProjectId
    source: FeedbackSource = Field(description="Who it came from.")
    entered_by_id: UUID | None = Field(description="The member who entered it, if any.")
    category: FeedbackCategory
    sentiment: Sentiment = Field(description="`negative` feedback may need a quick answer.")
    milestone_id: UUID | None = Field(description="The milestone it is about, if any.")

    model_config = example(
        feedback_id=FEEDBACK_ID,
        version=1,
        project_id=PROJECT_ID,
        source="customer",
        entered_by_id=None,
        category="timeline",
        sentiment="negative",
        milestone_id=MILESTONE_ID,
    )


class SurveyResponseReceivedData(EventData):
    survey_response_id: UUID
    version: Version
    project_id: ProjectId
    kind: SurveyKind = Field(description="`csat` (1–5) or `nps` (0–10).")
    score: int

    model_config = example(
        survey_response_id=SURVEY_RESPONSE_ID,
        version=1,
        project_id=PROJECT_ID,
        kind="nps",
        score=9,
    )
