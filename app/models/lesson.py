"""Lessons learned: what earlier teams learned, searchable across the organization.

Full-text search lives beside the table, made by the migration (the models do not describe
it): on PostgreSQL a GIN index over `to_tsvector('english', …)` of the texts, on SQLite an
FTS5 table `lesson_search` kept in step by triggers.
"""

from enum import StrEnum
from uuid import UUID

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import Identified, Synced, Timestamped, Versioned, enum_field


class LessonCategory(StrEnum):
    sales_handover = "sales_handover"
    estimation = "estimation"
    communication = "communication"
    technical = "technical"
    staffing = "staffing"
    customer = "customer"


class LessonOutcome(StrEnum):
    success = "success"
    failure = "failure"


class Lesson(Identified, Timestamped, Versioned, Synced, table=True):
    __tablename__ = "lessons"
    __table_args__ = (
        Index(None, "organization_id", "id"),
        Index(None, "project_id", "id"),
        Index(None, "customer_id", "id"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    customer_id: UUID = Field(foreign_key="customers.id", ondelete="CASCADE")
    meeting_id: UUID | None = Field(default=None, foreign_key="meetings.id", ondelete="SET NULL")
    title: str = Field(max_length=200)
    what_happened: str = Field(sa_type=Text)
    why: str = Field(default="", sa_type=Text)
    next_time: str = Field(default="", sa_type=Text)
    category: LessonCategory = enum_field(LessonCategory)
    outcome: LessonOutcome = enum_field(LessonOutcome)


class LessonTag(SQLModel, table=True):
    __tablename__ = "lesson_tags"
    __table_args__ = (Index(None, "tag", "lesson_id"),)

    lesson_id: UUID = Field(foreign_key="lessons.id", ondelete="CASCADE", primary_key=True)
    tag: str = Field(max_length=50, primary_key=True)
