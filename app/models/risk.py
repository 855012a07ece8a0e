"""The risk register and each risk's history."""

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


class RiskCategory(StrEnum):
    scope = "scope"
    schedule = "schedule"
    budget = "budget"
    resource = "resource"
    technical = "technical"
    customer = "customer"
    legal = "legal"
    other = "other"


class RiskResponse(StrEnum):
    avoid = "avoid"
    transfer = "transfer"
    mitigate = "mitigate"
    accept = "accept"


class RiskStatus(StrEnum):
    open = "open"
    mitigating = "mitigating"
    closed = "closed"
    occurred = "occurred"


class Risk(Identified, Timestamped, Versioned, Synced, table=True):
    """A risk of a project; `change_request_id` names the change request whose approval
    raised it (the assessment's `new_risks`)."""

    __tablename__ = "risks"
    __table_args__ = (
        CheckConstraint("probability BETWEEN 1 AND 5", name="probability_range"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="impact_range"),
        CheckConstraint("score = probability * impact", name="score_is_product"),
        Index(None, "project_id", "score"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    category: RiskCategory = enum_field(RiskCategory)
    probability: int
    impact: int
    score: int = Field(description="probability × impact, kept by the service and a CHECK.")
    response: RiskResponse = enum_field(RiskResponse)
    mitigation_plan: str | None = Field(default=None, sa_type=Text)
    contingency_plan: str | None = Field(default=None, sa_type=Text)
    owner_id: UUID | None = Field(
        default=None, foreign_key="members.id", ondelete="RESTRICT", index=True
    )
    review_date: date | None = Field(default=None, index=True)
    status: RiskStatus = enum_field(RiskStatus, default=RiskStatus.open)
    change_request_id: UUID | None = Field(
        default=None, foreign_key="change_requests.id", ondelete="SET NULL", index=True
    )


class RiskChange(Identified, table=True):
    """A risk as it was after a change of score or status: its history."""

    __tablename__ = "risk_changes"
    __table_args__ = (Index(None, "risk_id", "id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    risk_id: UUID = Field(foreign_key="risks.id", ondelete="CASCADE")
    probability: int
    impact: int
    score: int
    status: RiskStatus = enum_field(RiskStatus)
    changed_at: datetime = timestamp_field(default_factory=utcnow)
    changed_by_api_key_id: UUID | None = None
