"""A member's time on a project."""

from datetime import date
from uuid import UUID

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field

from app.models.base import Identified, Synced, Timestamped, Versioned


class Allocation(Identified, Timestamped, Versioned, Synced, table=True):
    """`percent` of the member's weekly capacity, every day from `start_date` to `end_date`."""

    __tablename__ = "allocations"
    __table_args__ = (
        CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
        CheckConstraint("end_date >= start_date", name="date_order"),
        Index(None, "organization_id", "member_id", "start_date"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    member_id: UUID = Field(foreign_key="members.id", ondelete="RESTRICT", index=True)
    start_date: date
    end_date: date
    percent: int
