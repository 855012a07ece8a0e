"""The KPI contract: SMART targets, their measurements, and their evaluation."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import Field

from app.core.examples import with_examples
from app.core.moments import CalendarDate, Moment
from app.core.pagination import Page
from app.core.schemas import InputModel, LongText, Name, OutputModel, PatchModel, unchanged
from app.models.kpi import KpiDirection, KpiMetric, KpiStatus, KpiTrend, MeasurementSource

MAX_KPIS_PER_PROJECT = 50

# Large enough for money in cents and any rate; finite (no NaN or infinity in JSON).
Value = Annotated[float, Field(ge=-1e12, le=1e12, allow_inf_nan=False)]
Unit = Annotated[str, Field(min_length=1, max_length=32, description="e.g. `ratio`, `days`.")]
Description = Annotated[LongText, Field(description="Specific: what is measured and why.")]
OwnerId = Annotated[UUID, Field(description="Who is accountable: a member.")]
MeasuredFrom = Annotated[
    CalendarDate,
    Field(
        description="Built-in metrics count data from this day (due dates, survey and feedback "
        "dates); all history when absent (utilisation: the last 28 days)."
    ),
]
DueDate = Annotated[CalendarDate, Field(description="Time-bound: when the target must be met.")]

DEFAULT_UNITS: dict[KpiMetric, str] = {
    KpiMetric.on_time_milestone_rate: "ratio",
    KpiMetric.average_schedule_slip_days: "days",
    KpiMetric.budget_variance: "ratio",
    KpiMetric.csat_average: "score",
    KpiMetric.nps: "score",
    KpiMetric.median_hours_to_acknowledge: "hours",
    KpiMetric.open_risk_exposure: "score",
    KpiMetric.allocation_utilisation: "ratio",
    KpiMetric.scope_change_rate: "ratio",
    KpiMetric.time_to_value_days: "days",
}


class KpiCreate(InputModel):
    name: Name
    description: Description | None = None
    metric: KpiMetric = Field(
        description="A built-in metric computed from the project's data, or `custom` "
        "(measurements are posted by hand)."
    )
    target_value: Value = Field(description="Measurable: the value to reach.")
    direction: KpiDirection = Field(
        description="`at_least`: the value must reach the target or more; `at_most`: or less."
    )
    unit: Unit | None = Field(default=None, description="The built-in metric's unit when absent.")
    measured_from: MeasuredFrom | None = None
    due_date: DueDate
    owner_id: OwnerId | None = None

    model_config = with_examples(
        {
            "name": "Milestones on time",
            "metric": "on_time_milestone_rate",
            "target_value": 0.9,
            "direction": "at_least",
            "due_date": "2027-06-30",
            "owner_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e",
        }
    )


class KpiUpdate(PatchModel):
    """The metric stays: a different metric is a different target with a different history."""

    model_config = with_examples({"target_value": 95, "due_date": "2027-06-30"})

    name: Name = unchanged()
    description: Description | None = None
    target_value: Value = unchanged()
    direction: KpiDirection = unchanged()
    unit: Unit | None = None
    measured_from: MeasuredFrom | None = None
    due_date: DueDate = unchanged()
    owner_id: OwnerId | None = None


class KpiPublic(OutputModel):
    id: UUID
    project_id: UUID | None = Field(description="Null for an organization-level target.")
    name: str
    description: str | None
    metric: KpiMetric
    target_value: float
    direction: KpiDirection
    unit: str | None
    measured_from: date | None
    due_date: date
    owner_id: UUID | None
    current_value: float | None = Field(description="Null while there is nothing to measure.")
    status: KpiStatus = Field(
        description="`met`; `missed` (due date passed); `on_track` (the last two measurements "
        "reach the target in time, or no value yet); `at_risk` (they do not)."
    )
    trend: KpiTrend | None = Field(description="The last two measurements compared.")
    evaluated_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class KpiPage(Page[KpiPublic]):
    """A page of KPI targets."""


class KpiMeasurementCreate(InputModel):
    value: Value
    measured_at: Moment | None = Field(
        default=None, description="When it was measured (not in the future); now when absent."
    )
    note: Annotated[str, Field(max_length=2000)] | None = None

    model_config = with_examples({"value": 42.5, "note": "From the March invoice run."})


class KpiMeasurementPublic(OutputModel):
    id: UUID
    kpi_id: UUID
    value: float
    measured_at: datetime
    source: MeasurementSource = Field(
        description="`manual` (posted) or `computed` (a built-in metric's value changed)."
    )
    note: str | None
    created_at: datetime


class KpiMeasurementPage(Page[KpiMeasurementPublic]):
    """A page of measurements, oldest first."""


class KpiLevel(StrEnum):
    organization = "organization"
    project = "project"
    all = "all"


@dataclass(frozen=True, slots=True)
class KpiFilter:
    level: KpiLevel = KpiLevel.organization
    status: KpiStatus | None = None
    metric: KpiMetric | None = None
