"""Domain events: the outbox. Written in the transaction of the change that caused them."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Index, LargeBinary
from sqlmodel import Field

from app.models.base import Identified, Synced, timestamp_field, utcnow


class Event(Identified, Synced, table=True):
    """One thing that happened. `payload` is `{"type", "timestamp", "data"}` serialised once:
    the stored bytes are what a poller reads and what a webhook will sign and send."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "organization_id", "id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    type: str = Field(max_length=64, index=True)
    aggregate_type: str = Field(max_length=32)
    aggregate_id: UUID = Field(index=True)
    aggregate_version: int | None = None
    project_id: UUID | None = Field(default=None, index=True)
    occurred_at: datetime = timestamp_field(default_factory=utcnow)
    payload: bytes = Field(sa_type=LargeBinary)
