"""The projects contract."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.pagination import Page
from app.core.schemas import (
    InputModel,
    LongText,
    Name,
    OutputModel,
    PatchModel,
    ShortText,
    unchanged,
)
from app.core.sync import SyncPage
from app.models import Health, MilestoneStatus, Phase, ReportKind, RiskStatus
from app.projects.health import HealthSource

CENT = Decimal("0.01")
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. `EUR`.")]


class Money(OutputModel):
    """An amount in a currency; the amount is a decimal string, never a float."""

    amount: Annotated[
        Decimal,
        Field(ge=0, max_digits=16, decimal_places=2),
        AfterValidator(lambda amount: amount.quantize(CENT)),
    ]
    currency: Currency


class MoneyInput(InputModel, Money):
    pass


def _dates_in_order(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("target_end_date must not be before start_date")


class ProjectCreate(InputModel):
    name: Name
    description: LongText | None = None
    customer_id: UUID
    sales_owner_id: UUID | None = Field(None, description="A member: who sold it.")
    project_manager_id: UUID | None = Field(None, description="A member: who delivers it.")
    start_date: CalendarDate | None = None
    target_end_date: CalendarDate | None = None
    budget: MoneyInput | None = None

    model_config = with_examples(
        {
            "name": "Globex CRM rollout",
            "customer_id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b",
            "start_date": "2026-12-01",
            "target_end_date": "2027-03-31",
            "budget": {"amount": "120000.00", "currency": "EUR"},
        }
    )

    @model_validator(mode="after")
    def _check_dates(self) -> Self:
        _dates_in_order(self.start_date, self.target_end_date)
        return self


class ProjectUpdate(PatchModel):
    """`health_override` (with a reason) pins the health; `null` returns to the derived one."""

    model_config = with_examples(
        {
            "target_end_date": "2027-03-31",
            "health_override": "amber",
            "health_override_reason": "The customer's data export slipped two weeks.",
        }
    )

    name: Name = unchanged()
    description: LongText | None = None
    customer_id: UUID = unchanged()
    sales_owner_id: UUID | None = None
    project_manager_id: UUID | None = None
    start_date: CalendarDate | None = None
    target_end_date: CalendarDate | None = None
    budget: MoneyInput | None = None
    health_override: Health | None = None
    health_override_reason: Annotated[ShortText, Field(min_length=1)] | None = None


class ProjectPublic(OutputModel):
    id: UUID
    name: str
    description: str | None
    customer_id: UUID
    sales_owner_id: UUID | None
    project_manager_id: UUID | None
    phase: Phase = Field(description="Moved only by transitions.")
    health: Health = Field(
        description="Effective health: the manager's override if set, else derived from "
        "milestones and risks (as of the last change; `/status` derives it live)."
    )
    health_override: Health | None
    health_override_reason: str | None
    customer_acceptance_date: date | None
    start_date: date | None
    target_end_date: date | None
    budget: Money | None
    archived_at: datetime | None
    crm_incomplete: bool = Field(
        description="Planned before its CRM could be reached: name, customer, sales owner or "
        "scope may still be placeholders. Completed (and false) once the CRM answers."
    )
    deal_value: Money | None = Field(
        description="The deal's amount in the CRM now; the budget stays delivery's."
    )
    deal_lost_at: datetime | None = Field(
        description="The deal was moved back to lost in the CRM: nothing was closed, decide."
    )
    unmatched_sales_owner_email: str | None = Field(
        description="The CRM owner's email, which no member has: add them, then set the "
        "sales owner."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectPage(SyncPage[ProjectPublic]):
    """A page of projects."""


class TransitionCreate(InputModel):
    to_phase: Phase
    note: LongText | None = None
    customer_acceptance_date: CalendarDate | None = Field(
        None, description="When the customer accepted the delivery; needed to close."
    )

    model_config = with_examples({"to_phase": "planning"})


class TransitionPublic(OutputModel):
    id: UUID
    project_id: UUID
    from_phase: Phase
    to_phase: Phase
    moved_at: datetime
    moved_by_api_key_id: UUID | None = Field(description="The API key that made the move.")
    note: str | None


class TransitionPage(Page[TransitionPublic]):
    """A page of a project's phase changes, oldest first."""


class Progress(OutputModel):
    milestones_total: int
    milestones_done: int
    percent: int = Field(description="Done milestones out of all, 0–100.")


class MilestoneBrief(OutputModel):
    id: UUID
    name: str
    due_date: date
    status: MilestoneStatus


class OverdueMilestone(OutputModel):
    id: UUID
    name: str
    due_date: date
    days_overdue: int
    waiting_for_customer: bool = Field(
        False, description="An open customer task unblocks it: the customer's wait, not our slip."
    )


class WaitingForCustomer(OutputModel):
    """An open customer task past its due date."""

    id: UUID = Field(description="The customer task.")
    title: str
    due_date: date
    days_overdue: int
    milestone_id: UUID | None = Field(description="The milestone it unblocks.")


class RiskBrief(OutputModel):
    id: UUID
    title: str
    score: int
    status: RiskStatus


class ReportBrief(OutputModel):
    id: UUID
    kind: ReportKind
    published_at: datetime | None
    summary: str | None


class ProjectStatus(OutputModel):
    """Where a project stands, for PM tools: derived live, cheap to poll (ETag, 304)."""

    project_id: UUID
    name: str
    phase: Phase
    health: Health
    health_source: HealthSource = Field(description="`override` when a manager pinned it.")
    health_reasons: list[str] = Field(description="Why the health is what it is.")
    progress: Progress
    next_milestone: MilestoneBrief | None
    overdue_milestones: list[OverdueMilestone] = Field(description="The 20 oldest.")
    waiting_for_customer: list[WaitingForCustomer] = Field(
        default_factory=list, description="Customer tasks past their due date (the 20 oldest)."
    )
    top_risks: list[RiskBrief] = Field(description="The 5 highest-scoring live risks.")
    open_risk_count: int
    latest_status_report: ReportBrief | None
    version: int
    updated_at: datetime
