"""The handoff brief: what sales hands to delivery, and whether delivery accepted it."""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field

from app.models.base import (
    Identified,
    Timestamped,
    Versioned,
    enum_field,
    json_list,
    json_object,
    timestamp_field,
    utcnow,
)


class HandoffStatus(StrEnum):
    """`draft` while sales fills it, `returned` with the PM's questions, `accepted` by the PM;
    `not_required` for a project whose template does not gate on it (or from before briefs)."""

    draft = "draft"
    returned = "returned"
    accepted = "accepted"
    not_required = "not_required"


class HandoffBrief(Identified, Timestamped, Versioned, table=True):
    """One per project. The checklist (items and which are required) is the template's as it
    was when the project was planned, so a template edited later changes no brief under way."""

    __tablename__ = "handoff_briefs"
    __table_args__ = (UniqueConstraint("project_id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    deal_id: UUID | None = Field(
        default=None, foreign_key="deals.id", ondelete="SET NULL", index=True
    )
    project_template_id: UUID | None = Field(
        default=None, foreign_key="project_templates.id", ondelete="SET NULL", index=True
    )
    status: HandoffStatus = enum_field(HandoffStatus, default=HandoffStatus.draft)
    required_items: list[str] = json_list()
    sold: str | None = Field(default=None, sa_type=Text)
    goals: str | None = Field(default=None, sa_type=Text)
    success_criteria: str | None = Field(default=None, sa_type=Text)
    promises: str | None = Field(default=None, sa_type=Text)
    risks: list[dict[str, Any]] = json_list()
    stakeholders: dict[str, Any] = json_object()
    constraints: dict[str, Any] = json_object()
    notes: str | None = Field(default=None, sa_type=Text)
    # Per checklist item: who filled it last (`api_key_id`, null for the CRM) and when.
    filled: dict[str, Any] = json_object()
    won_at: datetime | None = timestamp_field(default=None)
    accepted_at: datetime | None = timestamp_field(default=None)
    accepted_by_api_key_id: UUID | None = Field(
        default=None, foreign_key="api_keys.id", ondelete="SET NULL"
    )
    won_to_accepted_seconds: int | None = None
    returned_at: datetime | None = timestamp_field(default=None)
    return_reason: str | None = Field(default=None, max_length=2000)


class HandoffBriefVersion(Identified, table=True):
    """The brief as it was after each change: its history."""

    __tablename__ = "handoff_brief_versions"
    __table_args__ = (UniqueConstraint("brief_id", "version"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    brief_id: UUID = Field(foreign_key="handoff_briefs.id", ondelete="CASCADE")
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    version: int
    action: str = Field(max_length=32)
    changed_items: list[str] = json_list()
    brief: dict[str, Any] = json_object()
    changed_at: datetime = timestamp_field(default_factory=utcnow)
    changed_by_api_key_id: UUID | None = None
