"""The RACI matrix: activities of a project, and who is R, A, C or I for each."""

from enum import StrEnum
from uuid import UUID

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from app.models.base import Identified, Synced, Timestamped, Versioned, enum_field
from app.models.project import Phase


class RaciRole(StrEnum):
    responsible = "R"
    accountable = "A"
    consulted = "C"
    informed = "I"


class Activity(Identified, Timestamped, Versioned, Synced, table=True):
    __tablename__ = "activities"

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    phase: Phase = enum_field(Phase)
    position: int = Field(default=0, description="Row order in the matrix.")


class RaciAssignment(SQLModel, table=True):
    """One letter per member per activity (the primary key), one A per activity (the index)."""

    __tablename__ = "raci_assignments"
    __table_args__ = (
        Index(
            "uq_raci_assignments_one_accountable",
            "activity_id",
            unique=True,
            postgresql_where=text("role = 'A'"),
            sqlite_where=text("role = 'A'"),
        ),
    )

    activity_id: UUID = Field(foreign_key="activities.id", ondelete="CASCADE", primary_key=True)
    member_id: UUID = Field(
        foreign_key="members.id", ondelete="RESTRICT", primary_key=True, index=True
    )
    role: RaciRole = enum_field(RaciRole)
