"""Action items: who owes what to whom, by when, and where the promise was made."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field

from app.models.base import Identified, Synced, Timestamped, Versioned, enum_field, timestamp_field


class ActionItemStatus(StrEnum):
    open = "open"
    done = "done"
    dropped = "dropped"


class ActionItemSource(StrEnum):
    """Where an action item came from; `retrospective` is a retrospective or post-project
    review, held as a meeting or written as a status report."""

    meeting = "meeting"
    feedback = "feedback"
    risk = "risk"
    status_report = "status_report"
    retrospective = "retrospective"


class ActionItem(Identified, Timestamped, Versioned, Synced, table=True):
    """At most one source link is set; it is cleared (not the item) when the source goes."""

    __tablename__ = "action_items"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN feedback_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN risk_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN status_report_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_source",
        ),
        Index(None, "project_id", "id"),
        Index(None, "owner_id", "status", "due_date"),
        Index(None, "status", "due_date"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    owner_id: UUID = Field(foreign_key="members.id", ondelete="RESTRICT")
    due_date: date | None = None
    status: ActionItemStatus = enum_field(ActionItemStatus, default=ActionItemStatus.open)
    completed_at: datetime | None = timestamp_field(default=None)
    source: ActionItemSource | None = enum_field(ActionItemSource, default=None, nullable=True)
    meeting_id: UUID | None = Field(default=None, foreign_key="meetings.id", ondelete="SET NULL")
    feedback_id: UUID | None = Field(default=None, foreign_key="feedback.id", ondelete="SET NULL")
    risk_id: UUID | None = Field(default=None, foreign_key="risks.id", ondelete="SET NULL")
    status_report_id: UUID | None = Field(
        default=None, foreign_key="status_reports.id", ondelete="SET NULL"
    )
