"""`data` of the KPI events: a target moved into `at_risk` or `missed`."""

from datetime import date
from uuid import UUID

from pydantic import Field

from app.events.payloads.base import MEMBER_ID, PROJECT_ID, EventData, Version, example
from app.models.kpi import KpiDirection, KpiMetric

KPI_ID = "019ab0c5-8c9d-7eaf-90b1-c2d3e4f5a6b8"


class KpiAlertData(EventData):
    kpi_id: UUID
    version: Version
    project_id: UUID | None = Field(
        default=None, description="The project; absent for an organization-level target."
    )
    name: str
    metric: KpiMetric
    target_value: float
    direction: KpiDirection
    current_value: float | None = Field(description="The value that was evaluated.")
    due_date: date
    owner_id: UUID | None = Field(description="Who is accountable for the target.")

    model_config = example(
        kpi_id=KPI_ID,
        version=3,
        project_id=PROJECT_ID,
        name="Milestones on time",
        metric="on_time_milestone_rate",
        target_value=0.9,
        direction="at_least",
        current_value=0.667,
        due_date="2027-06-30",
        owner_id=MEMBER_ID,
    )
