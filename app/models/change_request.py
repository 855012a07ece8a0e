"""Change requests: scope the customer asks for after signature, assessed and decided."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import (
    Identified,
    Money,
    Timestamped,
    Versioned,
    enum_field,
    json_list,
    timestamp_field,
    utcnow,
)


class ChangeRequestStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    assessed = "assessed"
    approved = "approved"
    rejected = "rejected"
    implemented = "implemented"


# The statuses whose change is in the project: approval applied it, implementation keeps it.
APPLIED_STATUSES = (ChangeRequestStatus.approved, ChangeRequestStatus.implemented)


class ChangeRequest(Identified, Timestamped, Versioned, table=True):
    """The assessment (schedule, cost, effort, new risks) is set by the move to `assessed`;
    approval applies it to the project in the same transaction (`applied_at`)."""

    __tablename__ = "change_requests"
    __table_args__ = (Index(None, "project_id", "id"), Index(None, "project_id", "status"))

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    requested_by: str | None = Field(default=None, max_length=200)
    raised_by_id: UUID | None = Field(default=None, foreign_key="members.id", ondelete="RESTRICT")
    status: ChangeRequestStatus = enum_field(ChangeRequestStatus, default=ChangeRequestStatus.draft)
    schedule_impact_days: int | None = None
    cost_impact_amount: Decimal | None = Field(default=None, sa_type=Money)
    cost_impact_currency: str | None = Field(default=None, max_length=3)
    effort_hours: int | None = None
    new_risks: list[str] = json_list()
    applied_at: datetime | None = timestamp_field(default=None)


class ChangeRequestMilestone(SQLModel, table=True):
    """A milestone the change moves by its `schedule_impact_days`."""

    __tablename__ = "change_request_milestones"

    change_request_id: UUID = Field(
        foreign_key="change_requests.id", ondelete="CASCADE", primary_key=True
    )
    milestone_id: UUID = Field(
        foreign_key="milestones.id", ondelete="CASCADE", primary_key=True, index=True
    )


class ChangeRequestTransition(Identified, table=True):
    """Who moved a change request from one status to the next, and when."""

    __tablename__ = "change_request_transitions"
    __table_args__ = (Index(None, "change_request_id", "id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    change_request_id: UUID = Field(foreign_key="change_requests.id", ondelete="CASCADE")
    from_status: ChangeRequestStatus = enum_field(ChangeRequestStatus)
    to_status: ChangeRequestStatus = enum_field(ChangeRequestStatus)
    member_id: UUID = Field(foreign_key="members.id", ondelete="RESTRICT")
    moved_at: datetime = timestamp_field(default_factory=utcnow)
    note: str | None = Field(default=None, max_length=2000)
