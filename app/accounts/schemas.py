"""The account view contract."""

from datetime import date, datetime
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import Field

from app.change_requests.schemas import CostImpact
from app.core.schemas import OutputModel
from app.models import (
    ChangeRequestStatus,
    FeedbackCategory,
    FeedbackStatus,
    HandoffStatus,
    Health,
    MilestoneStatus,
    Phase,
    RiskStatus,
    Sentiment,
)
from app.projects.schemas import Money
from app.risks.bands import RiskBand
from app.surveys.schemas import SurveySummary


class AccountProject(OutputModel):
    id: UUID
    name: str
    phase: Phase
    health: Health
    budget: Money | None
    archived_at: datetime | None
    handoff_status: HandoffStatus = Field(
        description="The handoff brief: `draft`, `returned`, `accepted` or `not_required`."
    )
    handoff_accepted_at: datetime | None = Field(description="When delivery accepted the brief.")


class SatisfactionMonth(OutputModel):
    month: str = Field(description="`YYYY-MM`, by the day the responses were collected.")
    summary: SurveySummary


class OpenFeedback(OutputModel):
    id: UUID
    project_id: UUID
    category: FeedbackCategory
    sentiment: Sentiment
    status: FeedbackStatus
    received_at: datetime
    text: str


class OpenChangeRequest(OutputModel):
    id: UUID
    project_id: UUID
    title: str
    status: ChangeRequestStatus
    schedule_impact_days: int | None
    cost_impact: CostImpact | None


class HighRisk(OutputModel):
    id: UUID
    project_id: UUID
    title: str
    score: int
    band: RiskBand
    status: RiskStatus
    owner_id: UUID | None


class UpcomingMilestone(OutputModel):
    id: UUID
    project_id: UUID
    name: str
    due_date: date
    status: MilestoneStatus


Item = TypeVar("Item", bound=OutputModel)


class Listed(OutputModel, Generic[Item]):
    count: int = Field(description="How many there are in all.")
    items: list[Item] = Field(description="The first ones (at most 20).")


class FeedbackList(Listed[OpenFeedback]):
    """Open feedback."""


class ChangeRequestList(Listed[OpenChangeRequest]):
    """Open change requests."""


class HighRiskList(Listed[HighRisk]):
    """Open high risks."""


class MilestoneList(Listed[UpcomingMilestone]):
    """Upcoming customer-visible milestones."""


class AccountOverview(OutputModel):
    """Everything to check before a renewal or upsell call, in one answer."""

    customer_id: UUID
    name: str
    projects: list[AccountProject] = Field(description="Every project, archived ones included.")
    contracted_total: list[Money] = Field(
        description="The projects' budgets added up, one amount per currency."
    )
    satisfaction: list[SatisfactionMonth] = Field(
        description="CSAT and NPS month by month, oldest first."
    )
    open_feedback: FeedbackList = Field(description="Not closed yet, newest first.")
    open_change_requests: ChangeRequestList = Field(
        description="Draft, submitted or assessed, oldest first."
    )
    open_high_risks: HighRiskList = Field(
        description="Open or mitigating risks in the high or critical band, worst first."
    )
    upcoming_milestones: MilestoneList = Field(
        description="Customer-visible milestones not done and due from today on, soonest first."
    )
