"""Milestones and what they depend on."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import (
    Identified,
    Synced,
    Timestamped,
    Versioned,
    enum_field,
    timestamp_field,
)


class MilestoneStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    missed = "missed"


class Milestone(Identified, Timestamped, Versioned, Synced, table=True):
    __tablename__ = "milestones"

    # Analytics count milestones due in a window, per organization.
    __table_args__ = (Index(None, "organization_id", "due_date"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    start_date: date | None = None
    due_date: date
    baseline_due_date: date = Field(description="The due date as first planned.")
    owner_id: UUID | None = Field(
        default=None, foreign_key="members.id", ondelete="RESTRICT", index=True
    )
    status: MilestoneStatus = enum_field(MilestoneStatus, default=MilestoneStatus.planned)
    completed_date: date | None = None
    customer_visible: bool = False
    # The customer signs it off through the share page; `acceptance` marks the milestone whose
    # sign-off is the customer's acceptance (time to value ends there).
    requires_sign_off: bool = False
    acceptance: bool = False
    signed_off_at: datetime | None = timestamp_field(default=None)
    signed_off_by_name: str | None = Field(default=None, max_length=200)
    signed_off_via_share_link_id: UUID | None = Field(
        default=None, foreign_key="share_links.id", ondelete="SET NULL"
    )
    sign_off_comment: str | None = Field(default=None, sa_type=Text)


class MilestoneDependency(SQLModel, table=True):
    """`milestone_id` cannot start before `depends_on_id` is done (same project, no cycles)."""

    __tablename__ = "milestone_dependencies"

    milestone_id: UUID = Field(foreign_key="milestones.id", ondelete="CASCADE", primary_key=True)
    depends_on_id: UUID = Field(
        foreign_key="milestones.id", ondelete="CASCADE", primary_key=True, index=True
    )
