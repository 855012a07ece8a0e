"""Webhook endpoints, one delivery per (event, endpoint), and every attempt to deliver it."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import JSON, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field

from app.models.base import (
    Identified,
    Synced,
    Timestamped,
    Versioned,
    enum_field,
    json_list,
    timestamp_field,
    utcnow,
)


class WebhookEndpoint(Identified, Timestamped, Versioned, Synced, table=True):
    __tablename__ = "webhook_endpoints"

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    url: str = Field(max_length=2048)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] = json_list()  # empty: every type
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=500)
    disabled_at: datetime | None = timestamp_field(default=None)
    secret_encrypted: bytes = Field(sa_type=LargeBinary)
    previous_secret_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    previous_secret_expires_at: datetime | None = timestamp_field(default=None)
    failing_since: datetime | None = timestamp_field(default=None)


class DeliveryStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class WebhookDelivery(Identified, table=True):
    """`next_attempt_at` says when it is due; `lease_until` that a dispatcher holds it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "endpoint_id", "id"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    event_id: UUID = Field(foreign_key="events.id", ondelete="CASCADE")
    endpoint_id: UUID = Field(foreign_key="webhook_endpoints.id", ondelete="CASCADE")
    status: DeliveryStatus = enum_field(DeliveryStatus, default=DeliveryStatus.pending)
    attempt_count: int = 0
    next_attempt_at: datetime = timestamp_field(default_factory=utcnow)
    lease_until: datetime | None = timestamp_field(default=None)
    last_status_code: int | None = None
    created_at: datetime = timestamp_field(default_factory=utcnow)
    completed_at: datetime | None = timestamp_field(default=None)


class WebhookAttempt(Identified, table=True):
    __tablename__ = "webhook_attempts"
    __table_args__ = (Index(None, "delivery_id", "id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    delivery_id: UUID = Field(foreign_key="webhook_deliveries.id", ondelete="CASCADE")
    attempted_at: datetime = timestamp_field(default_factory=utcnow)
    status_code: int | None = None
    duration_ms: int
    error: str | None = Field(default=None, max_length=500)
    response_excerpt: str | None = Field(default=None, sa_type=Text)


class AlertCrossing(Identified, table=True):
    """One row per alert condition that is currently crossed: the unique key makes each
    crossing raise one `risk.alert`, whatever the number of saves or workers; the row is
    deleted when the condition clears, so the next crossing alerts again."""

    __tablename__ = "alert_crossings"
    __table_args__ = (UniqueConstraint("organization_id", "aggregate_id", "reason"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    aggregate_id: UUID
    reason: str = Field(max_length=64)
    crossed_at: datetime = timestamp_field(default_factory=utcnow)
    details: dict[str, object] | None = Field(default=None, sa_type=JSON)
