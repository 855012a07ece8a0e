"""The change requests contract, and the baseline report."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from app.core.examples import with_examples
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
from app.models import ChangeRequestStatus
from app.projects.schemas import CENT, Currency, Money

Title = Annotated[Name, Field(description="What the customer asks for, in a line.")]


class CostImpact(OutputModel):
    """What the change adds to the budget (negative: it saves), in the project's currency."""

    amount: Annotated[
        Decimal,
        Field(ge=-(10**13), le=10**13, max_digits=16, decimal_places=2),
        AfterValidator(lambda amount: amount.quantize(CENT)),
    ]
    currency: Currency


class CostImpactInput(InputModel, CostImpact):
    pass


class Assessment(InputModel):
    """The project manager's assessment: what the change does to schedule, cost and risk."""

    schedule_impact_days: int = Field(
        ge=-365, le=365, description="Days the named milestones move (negative: earlier)."
    )
    milestone_ids: list[UUID] = Field(
        default_factory=list,
        max_length=100,
        description="The milestones that move: open milestones of the same project.",
    )
    cost_impact: CostImpactInput | None = Field(
        default=None, description="Added to the budget on approval; the project's currency."
    )
    effort_hours: int | None = Field(default=None, ge=0, le=1_000_000)
    new_risks: list[ShortText] = Field(
        default_factory=list,
        max_length=20,
        description="Risks the change brings, in words: on approval each becomes an open risk "
        "of the project (category `scope`, probability 3, impact 3, response `accept`, review "
        "today) whose `change_request_id` names this request.",
    )


class ChangeRequestCreate(InputModel):
    title: Title
    description: LongText | None = None
    requested_by: Name | None = Field(
        default=None, description="Who asked, at the customer (name, role)."
    )
    raised_by_id: UUID | None = Field(
        default=None, description="The member who brought it in (usually sales)."
    )

    model_config = with_examples(
        {
            "title": "Add the Italian subsidiary to the rollout",
            "requested_by": "Hank Scorpio, COO",
            "raised_by_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e",
        }
    )


class ChangeRequestUpdate(PatchModel):
    """Only a `draft` or `submitted` request can be changed; the assessment comes with the
    move to `assessed`."""

    model_config = with_examples(
        {"description": "Also migrate the 2019 archive, about 40,000 records."}
    )

    title: Title = unchanged()
    description: LongText | None = None
    requested_by: Name | None = None
    raised_by_id: UUID | None = None


class ChangeRequestTransitionCreate(InputModel):
    to_status: ChangeRequestStatus = Field(
        description="`draft → submitted → assessed → approved | rejected`, "
        "then `approved → implemented`; `assessed → assessed` assesses it again (the new "
        "assessment replaces the previous one)."
    )
    member_id: UUID = Field(description="Who made the move: a member of the organization.")
    note: Annotated[str, Field(max_length=2000)] | None = None
    assessment: Assessment | None = Field(
        default=None, description="Required with `assessed`, and only then."
    )

    @model_validator(mode="after")
    def _assessment_with_assessed(self) -> Self:
        if (self.assessment is None) == (self.to_status is ChangeRequestStatus.assessed):
            raise ValueError("assessment is required to move to assessed, and only then")
        return self

    model_config = with_examples(
        {
            "to_status": "assessed",
            "member_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e",
            "assessment": {
                "schedule_impact_days": 10,
                "milestone_ids": ["019ab0c5-0a1b-7c2d-9e3f-4a5b6c7d8e9f"],
                "cost_impact": {"amount": "18000.00", "currency": "EUR"},
                "effort_hours": 160,
                "new_risks": ["Italian data-protection review"],
            },
        }
    )


class ChangeRequestTransitionPublic(OutputModel):
    from_status: ChangeRequestStatus
    to_status: ChangeRequestStatus
    member_id: UUID
    moved_at: datetime
    note: str | None


class ChangeRequestPublic(OutputModel):
    id: UUID
    project_id: UUID
    title: str
    description: str | None
    requested_by: str | None
    raised_by_id: UUID | None
    status: ChangeRequestStatus
    schedule_impact_days: int | None
    milestone_ids: list[UUID]
    cost_impact: CostImpact | None
    effort_hours: int | None
    new_risks: list[str]
    applied_at: datetime | None = Field(description="When approval applied it to the project.")
    history: list[ChangeRequestTransitionPublic] = Field(
        description="Every move: who, when, from, to."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class ChangeRequestPage(Page[ChangeRequestPublic]):
    """A page of change requests."""


class MilestoneSlip(OutputModel):
    milestone_id: UUID
    name: str
    status: str
    baseline_due_date: date
    due_date: date
    slip_days: int = Field(description="Days behind the baseline, never negative.")
    change_slip_days: int = Field(
        description="Days approved change requests moved it since the baseline, never negative."
    )
    delivery_slip_days: int = Field(
        description="Days behind the plan as changed (baseline plus approved changes): slip "
        "caused by delivery, never negative."
    )


class BaselineReport(OutputModel):
    """The plan as it stood when planning ended, against the plan now."""

    baseline_set_at: datetime | None = Field(description="Null until planning ends.")
    baseline_budget: Money | None
    budget: Money | None
    approved_change_cost: Money | None = Field(
        description="What approved change requests added to the budget since the baseline."
    )
    scope_change_rate: float | None = Field(
        description="approved_change_cost / baseline_budget, a number rounded to 4 decimals "
        "(0.15: approved changes added 15 % to the plan); null without a baseline budget."
    )
    milestones: list[MilestoneSlip]
