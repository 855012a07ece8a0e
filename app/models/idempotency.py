"""Idempotency-Key claims and the responses they replay."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import JSON, LargeBinary, UniqueConstraint
from sqlmodel import Field

from app.models.base import Identified, enum_field, timestamp_field, utcnow


class IdempotencyState(StrEnum):
    in_flight = "in_flight"
    completed = "completed"


class IdempotencyRecord(Identified, table=True):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64)
    state: IdempotencyState = enum_field(IdempotencyState)
    response_status: int | None = None
    response_headers: dict[str, str] | None = Field(default=None, sa_type=JSON)
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    locked_until: datetime = timestamp_field()
    expires_at: datetime = timestamp_field(index=True)
