"""Status reports: narrative plus a snapshot frozen at publication."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field

from app.models.base import (
    Identified,
    Timestamped,
    Versioned,
    enum_field,
    json_list,
    timestamp_field,
)


class ReportKind(StrEnum):
    kickoff = "kickoff"
    periodic = "periodic"
    retrospective = "retrospective"
    post_project_review = "post_project_review"


class ReportState(StrEnum):
    draft = "draft"
    published = "published"


class StatusReport(Identified, Timestamped, Versioned, table=True):
    __tablename__ = "status_reports"
    __table_args__ = (Index(None, "project_id", "published_at"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    kind: ReportKind = enum_field(ReportKind)
    period_start: date | None = None
    period_end: date | None = None
    summary: str | None = Field(default=None, sa_type=Text)
    customer_summary: str | None = Field(
        default=None, sa_type=Text, description="Written for the customer; shown on share pages."
    )
    accomplishments: str | None = Field(default=None, sa_type=Text)
    issues: list[dict[str, Any]] = json_list()
    next_steps: str | None = Field(default=None, sa_type=Text)
    lessons_learned: str | None = Field(default=None, sa_type=Text)
    state: ReportState = enum_field(ReportState, default=ReportState.draft)
    published_at: datetime | None = timestamp_field(default=None)
    snapshot: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    changes_since_previous: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    previous_report_id: UUID | None = Field(default=None, foreign_key="status_reports.id")
