"""The project templates contract: how a project from a won deal is planned."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import Field, model_validator

from app.core.examples import with_examples
from app.core.schemas import InputModel, LongText, Name, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage
from app.handoffs.schemas import HandoffChecklist
from app.models import Phase, RaciRole

MAX_TEMPLATE_MILESTONES = 30
MAX_TEMPLATE_ACTIVITIES = 30
BusinessDays = Annotated[int, Field(ge=0, le=1000)]


class TemplateRole(StrEnum):
    """Who a letter or a milestone goes to, resolved when a deal becomes a project."""

    project_manager = "project_manager"
    sales_owner = "sales_owner"


class TemplateMilestone(InputModel):
    name: Name
    due_in_business_days: BusinessDays = Field(
        description="Due this many business days (Monday to Friday) after the project starts."
    )
    owner: TemplateRole | None = Field(
        TemplateRole.project_manager, description="Who owns it (null: nobody yet)."
    )
    customer_visible: bool = False
    requires_sign_off: bool = Field(False, description="The customer signs it off by link.")
    acceptance: bool = Field(
        False, description="Its sign-off is the customer's acceptance (ends time to value)."
    )


class TemplateActivity(InputModel):
    name: Name
    phase: Phase
    letters: dict[TemplateRole, RaciRole] = Field(
        description="The RACI letter of each role: exactly one A and at least one R."
    )

    @model_validator(mode="after")
    def _keeps_the_raci_rules(self) -> Self:
        letters = list(self.letters.values())
        if letters.count(RaciRole.accountable) != 1:
            raise ValueError("exactly one role is A")
        if RaciRole.responsible not in letters:
            raise ValueError("at least one role is R")
        return self


Milestones = Annotated[list[TemplateMilestone], Field(max_length=MAX_TEMPLATE_MILESTONES)]
Activities = Annotated[list[TemplateActivity], Field(max_length=MAX_TEMPLATE_ACTIVITIES)]
KickoffWindow = Annotated[
    int,
    Field(
        ge=1,
        le=60,
        description="The kickoff meeting is due within this many business days of the start.",
    ),
]

_EXAMPLE: dict[str, Any] = {
    "name": "Standard rollout",
    "kickoff_within_business_days": 5,
    "milestones": [
        {"name": "Kickoff held", "due_in_business_days": 5, "customer_visible": True},
        {"name": "Customer acceptance", "due_in_business_days": 70, "customer_visible": True},
    ],
    "activities": [
        {
            "name": "Handover from sales",
            "phase": "initiating",
            "letters": {"project_manager": "A", "sales_owner": "R"},
        }
    ],
}


class ProjectTemplateCreate(InputModel):
    name: Name
    description: LongText | None = None
    kickoff_within_business_days: KickoffWindow = 5
    milestones: Milestones = Field(default_factory=list)
    activities: Activities = Field(default_factory=list)
    handoff: HandoffChecklist = Field(
        default_factory=HandoffChecklist,
        description="The handoff brief's checklist for projects planned from this template.",
    )

    model_config = with_examples(_EXAMPLE)


class ProjectTemplateUpdate(PatchModel):
    """Lists are replaced whole. Projects already planned keep their plan."""

    model_config = with_examples({"kickoff_within_business_days": 3})

    name: Name = unchanged()
    description: LongText | None = None
    kickoff_within_business_days: KickoffWindow = unchanged()
    milestones: Milestones = unchanged()
    activities: Activities = unchanged()
    handoff: HandoffChecklist = unchanged()


class ProjectTemplatePublic(OutputModel):
    id: UUID | None = Field(description="Null for the built-in default.")
    name: str
    description: str | None
    kickoff_within_business_days: int
    milestones: list[TemplateMilestone]
    activities: list[TemplateActivity]
    handoff: HandoffChecklist
    version: int
    created_at: datetime | None
    updated_at: datetime | None


class ProjectTemplatePage(SyncPage[ProjectTemplatePublic]):
    """A page of project templates (the built-in default is at `/v1/project-templates/default`)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A template as the planner uses it (stored or built-in)."""

    kickoff_within_business_days: int
    milestones: list[TemplateMilestone]
    activities: list[TemplateActivity]
    handoff: HandoffChecklist = field(default_factory=HandoffChecklist)
