"""The tenant and the keys its programs call us with."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import JSON, CheckConstraint
from sqlmodel import Field

from app.models.base import Identified, Timestamped, timestamp_field


class Organization(Identified, Timestamped, table=True):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint("default_meeting_hour BETWEEN 0 AND 23", name="default_meeting_hour_range"),
    )

    name: str = Field(max_length=200, unique=True)
    risk_alert_threshold: int = Field(
        default=15,
        sa_column_kwargs={"server_default": "15"},
        description="A risk scoring this or more raises a `risk.alert`.",
    )
    time_zone: str = Field(
        default="UTC",
        max_length=64,
        sa_column_kwargs={"server_default": "UTC"},
        description="IANA zone the organization works in: proposed meetings land in its hours.",
    )
    default_meeting_hour: int = Field(
        default=10,
        sa_column_kwargs={"server_default": "10"},
        description="Local hour (0–23, in `time_zone`) at which proposed meetings start.",
    )


class ApiKey(Identified, Timestamped, table=True):
    """Only the SHA-256 of a key is stored: keys are 256-bit random, so a fast hash is enough."""

    __tablename__ = "api_keys"

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    display_prefix: str = Field(max_length=32)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: list[str] = Field(sa_type=JSON)
    expires_at: datetime | None = timestamp_field(default=None)
    revoked_at: datetime | None = timestamp_field(default=None)
    last_used_at: datetime | None = timestamp_field(default=None)
