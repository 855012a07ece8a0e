"""The customer's voice: feedback with its workflow, and survey responses (CSAT, NPS)."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field

from app.models.base import (
    Identified,
    Synced,
    Timestamped,
    Versioned,
    enum_field,
    timestamp_field,
    utcnow,
)


class FeedbackSource(StrEnum):
    customer = "customer"
    sales = "sales"
    survey = "survey"
    project_manager = "project_manager"


class FeedbackCategory(StrEnum):
    scope = "scope"
    quality = "quality"
    timeline = "timeline"
    communication = "communication"
    billing = "billing"
    other = "other"


class Sentiment(StrEnum):
    positive = "positive"
    neutral = "neutral"
    negative = "negative"


class FeedbackStatus(StrEnum):
    new = "new"
    acknowledged = "acknowledged"
    actioned = "actioned"
    closed = "closed"


class Feedback(Identified, Timestamped, Versioned, Synced, table=True):
    """`received_at` starts the clock; each step of the workflow keeps when and who."""

    __tablename__ = "feedback"
    __table_args__ = (
        Index(None, "project_id", "id"),
        Index(None, "organization_id", "received_at"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    milestone_id: UUID | None = Field(
        default=None, foreign_key="milestones.id", ondelete="SET NULL"
    )
    source: FeedbackSource = enum_field(FeedbackSource)
    entered_by_id: UUID | None = Field(
        default=None, foreign_key="members.id", ondelete="RESTRICT", index=True
    )
    category: FeedbackCategory = enum_field(FeedbackCategory)
    sentiment: Sentiment = enum_field(Sentiment)
    text: str = Field(sa_type=Text)
    status: FeedbackStatus = enum_field(FeedbackStatus, default=FeedbackStatus.new)
    received_at: datetime = timestamp_field(default_factory=utcnow)
    acknowledged_at: datetime | None = timestamp_field(default=None)
    acknowledged_by_id: UUID | None = Field(default=None, foreign_key="members.id")
    actioned_at: datetime | None = timestamp_field(default=None)
    actioned_by_id: UUID | None = Field(default=None, foreign_key="members.id")
    closed_at: datetime | None = timestamp_field(default=None)
    closed_by_id: UUID | None = Field(default=None, foreign_key="members.id")
    response_to_customer: str | None = Field(default=None, sa_type=Text)


class SurveyKind(StrEnum):
    csat = "csat"
    nps = "nps"


class SurveyResponse(Identified, Timestamped, table=True):
    __tablename__ = "survey_responses"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'csat' AND score BETWEEN 1 AND 5)"
            " OR (kind = 'nps' AND score BETWEEN 0 AND 10)",
            name="score_range",
        ),
        Index(None, "project_id", "kind", "collected_on"),
        Index(None, "organization_id", "collected_on"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    kind: SurveyKind = enum_field(SurveyKind)
    score: int
    comment: str | None = Field(default=None, sa_type=Text)
    respondent_name: str | None = Field(default=None, max_length=200)
    respondent_email: str | None = Field(default=None, max_length=320)
    collected_on: date
