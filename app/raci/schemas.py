"""The RACI contract: activities with their letters, and the matrix as rows and columns."""

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator

from app.core.examples import with_examples
from app.core.schemas import InputModel, Name, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage
from app.models import MemberRole, Phase, RaciRole

MAX_ASSIGNMENTS_PER_ACTIVITY = 100
MAX_ACTIVITIES_PER_PROJECT = 500
MAX_MATRIX_ASSIGNMENTS = 10_000

Position = Annotated[
    int,
    Field(
        ge=0,
        le=1_000_000,
        description="Row order within the phase; by default after the phase's last activity.",
    ),
]


class AssignmentInput(InputModel):
    member_id: UUID = Field(description="A member of your organization.")
    role: RaciRole = Field(description="R, A, C or I.")


Assignments = Annotated[
    list[AssignmentInput],
    Field(
        min_length=1,
        max_length=MAX_ASSIGNMENTS_PER_ACTIVITY,
        description="One letter per member: exactly one A, at least one R, a member at most once.",
    ),
]


class ActivityCreate(InputModel):
    name: Name
    phase: Phase
    position: Position | None = None
    assignments: Assignments

    model_config = with_examples(
        {
            "name": "Sign off the scope",
            "phase": "planning",
            "assignments": [
                {"member_id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b", "role": "A"},
                {"member_id": "019ab0c4-8a10-7cc1-9a43-5c1e0f1d2a3c", "role": "R"},
            ],
        }
    )


class ActivityUpdate(PatchModel):
    model_config = with_examples({"name": "Sign off the revised scope", "position": 2})

    name: Name = unchanged()
    phase: Phase = unchanged()
    position: Position = unchanged()
    assignments: Assignments = unchanged()


class AssignmentPublic(OutputModel):
    member_id: UUID
    role: RaciRole


class ActivityPublic(OutputModel):
    id: UUID
    project_id: UUID
    name: str
    phase: Phase
    position: int
    assignments: list[AssignmentPublic] = Field(description="Ordered by letter: A, R, C, I.")
    version: int
    created_at: datetime
    updated_at: datetime


class ActivityPage(SyncPage[ActivityPublic]):
    """A page of activities."""


class ActivityAssignments(InputModel):
    activity_id: UUID
    assignments: Assignments


class RaciMatrixUpdate(InputModel):
    """Every activity of the project, each with all of its letters."""

    model_config = with_examples(
        {
            "activities": [
                {
                    "name": "Sign off the scope",
                    "phase": "planning",
                    "assignments": [
                        {"member_id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b", "role": "A"},
                        {"member_id": "019ab0c4-8a10-7cc1-9a43-5c1e0f1d2a3c", "role": "R"},
                    ],
                }
            ]
        }
    )

    activities: list[ActivityAssignments] = Field(
        max_length=MAX_ACTIVITIES_PER_PROJECT,
        description="Each activity of the project exactly once; what is not sent is a 422.",
    )

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        total = sum(len(activity.assignments) for activity in self.activities)
        if total > MAX_MATRIX_ASSIGNMENTS:
            raise ValueError(f"at most {MAX_MATRIX_ASSIGNMENTS} assignments in one matrix")
        return self


class RaciColumn(OutputModel):
    member_id: UUID
    name: str
    role: MemberRole = Field(description="The member's role in the organization.")


class RaciRow(OutputModel):
    activity_id: UUID
    name: str
    phase: Phase
    position: int
    cells: dict[UUID, RaciRole] = Field(description="Member id → letter; no key, no letter.")
    letter: RaciRole | None = Field(
        None, description="With `member_id`: that member's letter for this activity."
    )


class RaciMatrix(OutputModel):
    """Ready to render: columns left to right, rows top to bottom (phase order, then position)."""

    project_id: UUID
    version: int = Field(description="The project's version: the matrix's ETag.")
    member_id: UUID | None = Field(description="The member the rows are filtered to, if any.")
    columns: list[RaciColumn] = Field(description="Members with a letter in the rows, by name.")
    rows: list[RaciRow]
