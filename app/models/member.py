"""A person of the organization: sales, delivery, management."""

from enum import StrEnum
from uuid import UUID

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.models.base import Identified, Synced, Timestamped, Versioned, enum_field


class MemberRole(StrEnum):
    sales = "sales"
    project_manager = "project_manager"
    delivery = "delivery"
    finance = "finance"
    executive = "executive"
    other = "other"


class Member(Identified, Timestamped, Versioned, Synced, table=True):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("organization_id", "email"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    role: MemberRole = enum_field(MemberRole)
    weekly_capacity_hours: int = Field(default=40)
