"""SMART KPI targets, their measurements, and the actual costs budget variance is measured on."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Double, Index, Text
from sqlmodel import Field

from app.models.base import (
    Identified,
    Money,
    Timestamped,
    Versioned,
    enum_field,
    timestamp_field,
    utcnow,
)


class KpiMetric(StrEnum):
    """Built-in metrics are computed from the data; `custom` ones are measured by hand."""

    on_time_milestone_rate = "on_time_milestone_rate"
    average_schedule_slip_days = "average_schedule_slip_days"
    budget_variance = "budget_variance"
    csat_average = "csat_average"
    nps = "nps"
    median_hours_to_acknowledge = "median_hours_to_acknowledge"
    open_risk_exposure = "open_risk_exposure"
    allocation_utilisation = "allocation_utilisation"
    scope_change_rate = "scope_change_rate"
    time_to_value_days = "time_to_value_days"
    custom = "custom"


class KpiDirection(StrEnum):
    at_least = "at_least"
    at_most = "at_most"


class KpiStatus(StrEnum):
    met = "met"
    on_track = "on_track"
    at_risk = "at_risk"
    missed = "missed"


class KpiTrend(StrEnum):
    improving = "improving"
    steady = "steady"
    worsening = "worsening"


class MeasurementSource(StrEnum):
    manual = "manual"
    computed = "computed"


class Kpi(Identified, Timestamped, Versioned, table=True):
    """A target: `project_id` is null for an organization-level target.

    `current_value`, `status` and `trend` are the last evaluation, stored so that reads are cheap,
    ETags are honest and `kpi.at_risk`/`kpi.missed` are raised once per crossing.
    """

    __tablename__ = "kpis"
    __table_args__ = (Index(None, "organization_id", "project_id", "id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    project_id: UUID | None = Field(default=None, foreign_key="projects.id", ondelete="CASCADE")
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    metric: KpiMetric = enum_field(KpiMetric)
    target_value: float = Field(sa_type=Double)
    direction: KpiDirection = enum_field(KpiDirection)
    unit: str | None = Field(default=None, max_length=32)
    measured_from: date | None = None
    due_date: date
    owner_id: UUID | None = Field(default=None, foreign_key="members.id", ondelete="SET NULL")
    current_value: float | None = Field(default=None, sa_type=Double)
    status: KpiStatus = enum_field(KpiStatus, default=KpiStatus.on_track)
    trend: KpiTrend | None = enum_field(KpiTrend, default=None, nullable=True)
    evaluated_at: datetime | None = timestamp_field(default=None)


class KpiMeasurement(Identified, table=True):
    """One point of a target's history: posted by hand (custom) or recorded when a built-in
    metric's value changed."""

    __tablename__ = "kpi_measurements"
    __table_args__ = (Index(None, "kpi_id", "measured_at", "id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    kpi_id: UUID = Field(foreign_key="kpis.id", ondelete="CASCADE")
    value: float = Field(sa_type=Double)
    measured_at: datetime = timestamp_field(default_factory=utcnow)
    source: MeasurementSource = enum_field(MeasurementSource)
    note: str | None = Field(default=None, max_length=2000)
    created_at: datetime = timestamp_field(default_factory=utcnow)


class CostEntry(Identified, Timestamped, table=True):
    """Actual cost booked on a project, in the project's budget currency."""

    __tablename__ = "cost_entries"
    __table_args__ = (Index(None, "project_id", "incurred_on"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE")
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(max_length=3)
    incurred_on: date
    description: str = Field(max_length=200)

    @property
    def cost(self) -> dict[str, object]:
        return {"amount": self.amount, "currency": self.currency}
