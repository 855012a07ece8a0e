"""The handoff brief contract: what sales hands over, and the project manager's answer."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, model_validator

from app.core.examples import with_examples
from app.core.pagination import Page
from app.core.schemas import InputModel, LongText, Name, OutputModel, ShortText
from app.models import HandoffStatus, RiskCategory
from app.risks.schemas import Impact, Probability

MAX_BRIEF_RISKS = 30


class HandoffItem(StrEnum):
    """An item of the brief's checklist (a template says which are required)."""

    sold = "sold"
    goals = "goals"
    success_criteria = "success_criteria"
    promises = "promises"
    risks = "risks"
    decision_maker = "decision_maker"
    day_to_day_contact = "day_to_day_contact"
    sponsor = "sponsor"
    constraints = "constraints"
    notes = "notes"


STAKEHOLDER_ROLES = (
    HandoffItem.decision_maker,
    HandoffItem.day_to_day_contact,
    HandoffItem.sponsor,
)
DEFAULT_REQUIRED = [
    HandoffItem.sold,
    HandoffItem.goals,
    HandoffItem.success_criteria,
    HandoffItem.decision_maker,
    HandoffItem.day_to_day_contact,
]


class HandoffChecklist(InputModel):
    """A template's handoff checklist: every item exists on every brief; these are required."""

    gate: bool = Field(
        True,
        description="Projects planned from the template stay in `initiating` until the project "
        "manager accepts the brief.",
    )
    required_items: list[HandoffItem] = Field(
        default_factory=lambda: list(DEFAULT_REQUIRED),
        max_length=len(HandoffItem),
        description="Items that must be filled before the brief can be accepted.",
    )


class Stakeholder(InputModel):
    name: Name
    email: ShortText | None = None
    title: ShortText | None = None


class Stakeholders(InputModel):
    """The customer's people the project deals with."""

    decision_maker: Stakeholder | None = None
    day_to_day_contact: Stakeholder | None = None
    sponsor: Stakeholder | None = None


class Constraints(InputModel):
    dates: LongText | None = Field(None, description="Dates the customer holds us to.")
    budget: LongText | None = None
    compliance: LongText | None = None


class BriefRisk(InputModel):
    """A risk sales sees; acceptance can carry it into the risk register."""

    title: Name
    description: LongText | None = None
    category: RiskCategory = RiskCategory.other
    probability: Probability = 3
    impact: Impact = 3


_EXAMPLE: dict[str, Any] = {
    "sold": "200 seats of the CRM, data migration from the old system, two training days",
    "goals": "One customer record for sales and support by the end of the quarter",
    "success_criteria": "90% of reps log their calls in the new CRM within 30 days of go-live",
    "promises": "Go-live before the sales kickoff on 1 March",
    "risks": [{"title": "Old system's data is poor", "probability": 4, "impact": 3}],
    "stakeholders": {
        "decision_maker": {"name": "Dana Smith", "title": "VP Sales"},
        "day_to_day_contact": {"name": "Sam Lee", "email": "sam@globex.example"},
    },
    "constraints": {"compliance": "Data stays in the EU"},
    "notes": "They were burnt by the last vendor's migration: over-communicate.",
}


class HandoffBriefUpdate(InputModel):
    """The whole brief (`PUT` replaces it): an absent item is an empty one."""

    model_config = with_examples(_EXAMPLE)

    sold: LongText | None = Field(None, description="What was sold (pre-filled from the deal).")
    goals: LongText | None = Field(None, description="The customer's goals.")
    success_criteria: LongText | None = Field(None, description="How the customer measures it.")
    promises: LongText | None = Field(
        None,
        description="Promises and commitments made during the sale (never shown to the "
        "customer on the share page).",
    )
    risks: list[BriefRisk] = Field(default_factory=list, max_length=MAX_BRIEF_RISKS)
    stakeholders: Stakeholders = Field(default_factory=Stakeholders)
    constraints: Constraints = Field(default_factory=Constraints)
    notes: LongText | None = None


class HandoffAccept(InputModel):
    model_config = with_examples({"carry_risks": True})

    carry_risks: bool = Field(
        False, description="Register the brief's risks in the project's risk register."
    )


class HandoffReturn(InputModel):
    model_config = with_examples({"reason": "Which data centre did we promise?"})

    reason: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="What the project manager needs from sales (sent to the sales owner)."
    )

    @model_validator(mode="after")
    def _not_blank(self) -> "HandoffReturn":
        if not self.reason.strip():
            raise ValueError("reason must not be blank")
        return self


class FilledBy(OutputModel):
    api_key_id: UUID | None = Field(description="The key that filled it; null: from the CRM.")
    filled_at: datetime


class HandoffBriefPublic(OutputModel):
    project_id: UUID
    status: HandoffStatus
    gate: bool = Field(description="Whether the project waits for acceptance to leave initiating.")
    deal_id: UUID | None
    project_template_id: UUID | None
    required_items: list[HandoffItem]
    missing_items: list[HandoffItem] = Field(description="Required items still empty.")
    sold: str | None
    goals: str | None
    success_criteria: str | None
    promises: str | None
    risks: list[BriefRisk]
    stakeholders: Stakeholders
    constraints: Constraints
    notes: str | None
    filled: dict[HandoffItem, FilledBy] = Field(description="Who filled each item last, when.")
    won_at: datetime | None
    accepted_at: datetime | None
    accepted_by_api_key_id: UUID | None
    won_to_accepted_days: float | None = Field(
        description="From the deal's win to the project manager's acceptance, in days."
    )
    returned_at: datetime | None
    return_reason: str | None
    version: int
    updated_at: datetime | None


class HandoffBriefVersionPublic(OutputModel):
    id: UUID
    version: int
    action: str = Field(description="`created`, `updated`, `accepted` or `returned`.")
    changed_items: list[HandoffItem]
    brief: dict[str, Any] = Field(description="The brief's items as they were after the change.")
    changed_at: datetime
    changed_by_api_key_id: UUID | None


class HandoffBriefVersionPage(Page[HandoffBriefVersionPublic]):
    """A page of the brief's history, oldest first."""
