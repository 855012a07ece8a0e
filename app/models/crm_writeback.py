"""Write-backs: what Handover tells a CRM deal about its project, kept like webhook deliveries.

A row is added in the transaction of the change that calls for it (app/crm/writeback/produce.py)
and sent later by the write-back dispatcher (app/crm/writeback/send.py).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field

from app.models.base import Identified, enum_field, timestamp_field, utcnow


class WritebackScope(StrEnum):
    """What a connection writes back: the delivery fields on the deal, notes on its timeline,
    or both."""

    fields = "fields"
    notes = "notes"
    both = "both"


class WritebackKind(StrEnum):
    fields = "fields"  # the deal's delivery fields, computed when sent (always the latest)
    note = "note"  # one moment on the deal's timeline, written when it happened


class WritebackStatus(StrEnum):
    pending = "pending"  # waiting for its window or its next attempt
    sent = "sent"  # the CRM accepted it
    superseded = "superseded"  # a later update of the same deal carried its change
    skipped = "skipped"  # nothing to send (no field mapped)
    failed = "failed"  # refused, or out of attempts: can be retried


class CrmWriteback(Identified, table=True):
    """One write-back to one CRM deal: its fields (coalesced per deal) or a note."""

    __tablename__ = "crm_writebacks"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "connection_id", "id"),
        Index(None, "deal_id", "kind", "status"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    connection_id: UUID = Field(foreign_key="crm_connections.id", ondelete="CASCADE")
    deal_id: UUID = Field(foreign_key="deals.id", ondelete="CASCADE")
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    crm_record_id: str = Field(max_length=200)
    kind: WritebackKind = enum_field(WritebackKind)
    event_type: str = Field(max_length=64, description="The change that called for it.")
    changes: int = Field(default=1, description="Changes it carries (coalesced).")
    note: str | None = Field(default=None, sa_type=Text)
    status: WritebackStatus = enum_field(WritebackStatus, default=WritebackStatus.pending)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    next_attempt_at: datetime = timestamp_field(default_factory=utcnow)
    lease_until: datetime | None = timestamp_field(default=None)
    attempt_count: int = 0
    sent_at: datetime | None = timestamp_field(default=None)
    sent_body: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    status_code: int | None = None
    crm_answer: str | None = Field(default=None, max_length=2000)
    superseded_by_id: UUID | None = Field(default=None)
