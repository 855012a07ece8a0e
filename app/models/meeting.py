"""Meetings of a project, who attends them, what they decided, and the project's cadences."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field

from app.models.base import (
    Identified,
    Timestamped,
    Versioned,
    enum_field,
    json_list,
    timestamp_field,
)


class MeetingKind(StrEnum):
    kickoff = "kickoff"
    sync = "sync"
    review = "review"
    milestone_review = "milestone_review"
    retrospective = "retrospective"
    post_project_review = "post_project_review"
    customer_training = "customer_training"


class MeetingStatus(StrEnum):
    proposed = "proposed"
    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"


# Still to take place: what calendars, the clock and the customer's page look ahead to.
PLANNED_STATUSES = (MeetingStatus.proposed, MeetingStatus.scheduled)


class Meeting(Identified, Timestamped, Versioned, table=True):
    """One meeting: `starts_at` is the instant (UTC), `time_zone` the zone it was planned in.

    A meeting that stands for an occurrence of a cadence names it with `cadence_id` and
    `occurrence_starts_at`, so that the occurrence is not listed twice.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration_range"),
        UniqueConstraint("cadence_id", "occurrence_starts_at"),
        Index(None, "project_id", "starts_at"),
        Index(None, "status", "starts_at"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    kind: MeetingKind = enum_field(MeetingKind)
    title: str = Field(max_length=200)
    status: MeetingStatus = enum_field(MeetingStatus, default=MeetingStatus.scheduled)
    starts_at: datetime = timestamp_field()
    time_zone: str = Field(max_length=64)
    duration_minutes: int
    agenda: list[str] = json_list()
    notes: str | None = Field(default=None, sa_type=Text)
    held_at: datetime | None = timestamp_field(default=None)
    cadence_id: UUID | None = Field(
        default=None, foreign_key="meeting_cadences.id", ondelete="SET NULL"
    )
    occurrence_starts_at: datetime | None = timestamp_field(default=None)


class MeetingAttendee(Identified, table=True):
    """A member of the organization, or a customer contact by name and email."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (
        CheckConstraint(
            "member_id IS NOT NULL OR (name IS NOT NULL AND email IS NOT NULL)",
            name="member_or_contact",
        ),
        Index(None, "meeting_id", "id"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    meeting_id: UUID = Field(foreign_key="meetings.id", ondelete="CASCADE")
    member_id: UUID | None = Field(default=None, foreign_key="members.id", index=True)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class Decision(Identified, table=True):
    """Something a meeting decided: what, by whom, on which day."""

    __tablename__ = "decisions"
    __table_args__ = (
        CheckConstraint(
            "decided_by_id IS NOT NULL OR decided_by_name IS NOT NULL", name="decided_by"
        ),
        Index(None, "meeting_id", "id"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    meeting_id: UUID = Field(foreign_key="meetings.id", ondelete="CASCADE")
    text: str = Field(sa_type=Text)
    decided_by_id: UUID | None = Field(default=None, foreign_key="members.id", index=True)
    decided_by_name: str | None = Field(default=None, max_length=200)
    decided_on: date


class MeetingCadence(Identified, Timestamped, Versioned, table=True):
    """A recurring meeting: an RFC 5545 rule expanded from `starts_at` in `time_zone`, so a
    10:00 Berlin sync stays at 10:00 Berlin time across daylight-saving changes."""

    __tablename__ = "meeting_cadences"
    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration_range"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    kind: MeetingKind = enum_field(MeetingKind)
    title: str = Field(max_length=200)
    rule: str = Field(max_length=500)
    starts_at: datetime = timestamp_field()
    time_zone: str = Field(max_length=64)
    duration_minutes: int
