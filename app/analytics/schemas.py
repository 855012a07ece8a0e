"""The analytics contract: the built-in metrics over a window, for the portfolio and per person."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from app.kpis.metrics import Figures
from app.models import Phase


class Metrics(BaseModel):
    """The built-in metrics of a group of projects over the window (null: nothing to measure).
    Definitions: see docs/delivery.md, "KPIs and analytics"."""

    projects: int
    milestones_counted: int = Field(description="Milestones due in the window that count.")
    on_time_milestone_rate: float | None
    average_schedule_slip_days: float | None
    budget_variance: float | None = Field(description="Mean of actual ÷ budget − 1.")
    projects_with_costs: int
    csat_average: float | None
    csat_responses: int
    nps: int | None
    nps_responses: int
    median_hours_to_acknowledge: float | None
    acknowledged_feedback: int
    open_risk_exposure: int = Field(description="Sum of open and mitigating risks' scores, now.")
    allocation_utilisation: float | None
    scope_change_rate: float | None = Field(
        description="Mean of approved change cost ÷ baseline budget, over projects with a baseline."
    )
    projects_with_baseline: int

    @classmethod
    def of(cls, figures: Figures) -> "Metrics":
        return cls(
            projects=figures.projects,
            milestones_counted=figures.milestones_counted,
            on_time_milestone_rate=figures.on_time_milestone_rate,
            average_schedule_slip_days=figures.average_schedule_slip_days,
            budget_variance=figures.budget_variance,
            projects_with_costs=figures.projects_with_costs,
            csat_average=figures.csat_average,
            csat_responses=figures.csat_responses,
            nps=figures.nps,
            nps_responses=figures.nps_responses,
            median_hours_to_acknowledge=figures.median_hours_to_acknowledge,
            acknowledged_feedback=figures.acknowledged_feedback,
            open_risk_exposure=figures.open_risk_exposure,
            allocation_utilisation=figures.allocation_utilisation,
            scope_change_rate=figures.scope_change_rate,
            projects_with_baseline=figures.projects_with_baseline,
        )


class PhaseMetrics(Metrics):
    phase: Phase


class MemberMetrics(Metrics):
    member_id: UUID | None = Field(description="Null for projects without one.")


class PortfolioAnalytics(BaseModel):
    """What a quarterly review of sales and delivery looks at."""

    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    organization: Metrics
    by_phase: list[PhaseMetrics]
    by_project_manager: list[MemberMetrics]
    by_sales_owner: list[MemberMetrics]


class MemberAnalytics(BaseModel):
    """One person's record: the projects they deliver, the deals they sold, their own load."""

    member_id: UUID
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    as_project_manager: Metrics
    as_sales_owner: Metrics
    allocation_utilisation: float | None = Field(
        description="The member's allocated share of the window's days (1.0 = full time)."
    )
    allocated_person_days: float
