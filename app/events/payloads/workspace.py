"""`data` of the events of a project's RACI matrix and status reports."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from app.core.schemas import unchanged
from app.events.payloads.base import (
    ACTIVITY_ID,
    MEMBER_ID,
    OTHER_MEMBER_ID,
    PROJECT_ID,
    STATUS_REPORT_ID,
    TIMESTAMP,
    EventData,
    ProjectId,
    Version,
    example,
)
from app.models import Health, Phase, RaciRole, ReportKind


class ActivityEventData(EventData):
    activity_id: UUID = Field(description="The activity (a row of the RACI matrix).")
    version: Version
    project_id: ProjectId


_ACTIVITY = {"activity_id": ACTIVITY_ID, "version": 1, "project_id": PROJECT_ID}


class RaciAssignmentData(BaseModel):
    """One letter of an activity."""

    member_id: UUID
    role: RaciRole = Field(description="R, A, C or I.")


class ActivityCreatedData(ActivityEventData):
    name: str
    phase: Phase
    position: int = Field(description="Row order within the phase.")
    assignments: list[RaciAssignmentData] = Field(description="Ordered by letter: A, R, C, I.")

    model_config = example(
        _ACTIVITY,
        name="Data migration",
        phase="executing",
        position=0,
        assignments=[
            {"member_id": MEMBER_ID, "role": "A"},
            {"member_id": OTHER_MEMBER_ID, "role": "R"},
        ],
    )


class ActivityUpdatedData(ActivityEventData):
    """The fields that changed, with their new values. New letters are a `raci.changed`."""

    name: str = unchanged()
    phase: Phase = unchanged()
    position: int = unchanged()

    model_config = example(_ACTIVITY, version=2, name="Data migration (CRM)")


class ActivityDeletedData(ActivityEventData):
    name: str
    phase: Phase

    model_config = example(
        _ACTIVITY,
        version=3,
        name="Data migration",
        phase="executing",
    )


class RaciChangedData(EventData):
    """The project's matrix changed: read the activities named to get their letters."""

    project_id: UUID = Field(description="The project (the aggregate of this event).")
    version: Version
    activity_ids: list[UUID] = Field(description="The activities whose letters changed.")

    model_config = example(project_id=PROJECT_ID, version=7, activity_ids=[ACTIVITY_ID])


class StatusReportPublishedData(EventData):
    status_report_id: UUID = Field(description="The report; read it for the full text.")
    version: Version
    project_id: ProjectId
    kind: ReportKind
    health: Health = Field(description="The project's health when the report was published.")
    progress_percent: int = Field(description="Done milestones out of all, 0–100.")
    published_at: datetime

    model_config = example(
        status_report_id=STATUS_REPORT_ID,
        version=2,
        project_id=PROJECT_ID,
        kind="periodic",
        health="amber",
        progress_percent=40,
        published_at=TIMESTAMP,
    )
