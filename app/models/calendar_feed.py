"""The secret URL of a calendar feed: a project's, or a member's."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from app.models.base import Identified, Timestamped, timestamp_field, utcnow


class CalendarFeed(Identified, Timestamped, table=True):
    """Calendar applications cannot send a bearer key, so a feed also answers at a secret URL.

    One row per feed (a project or a member, never both); rotating replaces the hash in place,
    so the old URL stops working at once. Only the SHA-256 of the secret is stored.
    """

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint("(project_id IS NULL) <> (member_id IS NULL)", name="one_subject"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID | None = Field(
        default=None, foreign_key="projects.id", ondelete="CASCADE", unique=True
    )
    member_id: UUID | None = Field(
        default=None, foreign_key="members.id", ondelete="CASCADE", unique=True
    )
    display_prefix: str = Field(max_length=32)
    secret_hash: str = Field(max_length=64, unique=True)
    rotated_at: datetime = timestamp_field(default_factory=utcnow)
