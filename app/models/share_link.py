"""Share links: capability URLs through which a customer sees one project without an account."""

from datetime import datetime
from uuid import UUID

from sqlmodel import Field

from app.models.base import Identified, Timestamped, Versioned, timestamp_field


class ShareLink(Identified, Timestamped, Versioned, table=True):
    """Only the SHA-256 of the token is stored: tokens are 256-bit random, so a fast hash is
    enough, and a database leak hands out no working link."""

    __tablename__ = "share_links"

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    label: str | None = Field(default=None, max_length=200)
    display_prefix: str = Field(max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(default=None)
