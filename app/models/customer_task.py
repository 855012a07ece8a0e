"""What the customer must do for the project to move: their tasks, done from the share page."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Index, Text
from sqlmodel import Field

from app.models.base import (
    Identified,
    Timestamped,
    Versioned,
    enum_field,
    timestamp_field,
    today,
)


class CustomerTaskStatus(StrEnum):
    open = "open"
    done = "done"


class CustomerTask(Identified, Timestamped, Versioned, table=True):
    """A task the project manager gives the customer; it may unblock one milestone."""

    __tablename__ = "customer_tasks"
    __table_args__ = (
        Index(None, "project_id", "id"),
        Index(None, "status", "due_date"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    due_date: date | None = None
    milestone_id: UUID | None = Field(
        default=None, foreign_key="milestones.id", ondelete="SET NULL", index=True
    )
    status: CustomerTaskStatus = enum_field(CustomerTaskStatus, default=CustomerTaskStatus.open)
    done_at: datetime | None = timestamp_field(default=None)
    done_by_name: str | None = Field(default=None, max_length=200)
    done_via_share_link_id: UUID | None = Field(
        default=None, foreign_key="share_links.id", ondelete="SET NULL"
    )

    @property
    def overdue(self) -> bool:
        """Open and past its due date (UTC): the project is waiting for the customer."""
        return (
            self.status is CustomerTaskStatus.open
            and self.due_date is not None
            and self.due_date < today()
        )
