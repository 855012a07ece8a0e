"""Tombstones: what a sync token's poller learns about rows that are gone (app/core/sync.py)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from app.models.base import timestamp_field, utcnow


class DeletedRow(SQLModel, table=True):
    """A row deleted from a synced list, written by the database's delete triggers (so a
    cascade leaves one too), kept for the retention of sync tokens, then pruned by the clock.

    No foreign key to the organization: its own deletion cascades into the tables whose
    triggers write here, in the same statement."""

    __tablename__ = "deleted_rows"
    __table_args__ = (Index(None, "organization_id", "list_name", "change_position"),)

    list_name: str = Field(primary_key=True, max_length=64, description="The table it left.")
    row_id: UUID = Field(primary_key=True)
    organization_id: UUID
    project_id: UUID | None = None
    version: int | None = None
    change_position: int = Field(sa_type=BigInteger)
    deleted_at: datetime = timestamp_field(default_factory=utcnow, index=True)
