"""The risks contract."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, computed_field

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.pagination import Page
from app.core.schemas import InputModel, LongText, Name, OutputModel, PatchModel, unchanged
from app.core.sync import SyncPage
from app.models import RiskCategory, RiskResponse, RiskStatus
from app.risks.bands import BAND_DESCRIPTION, RiskBand, band_of

Probability = Annotated[
    int, Field(ge=1, le=5, description="How likely it is to happen: 1 (rare) to 5 (almost sure).")
]
Impact = Annotated[
    int, Field(ge=1, le=5, description="How bad it would be: 1 (negligible) to 5 (severe).")
]
Response = Annotated[
    RiskResponse,
    Field(description="The strategy; `mitigate` needs a `mitigation_plan`."),
]
MitigationPlan = Annotated[
    LongText,
    Field(
        description="What lowers the probability or impact; required when `response` is `mitigate`."
    ),
]
ContingencyPlan = Annotated[
    LongText, Field(description="What to do if it happens; recommended for every risk.")
]
Status = Annotated[
    RiskStatus,
    Field(
        description="Any status may follow any other: a `closed` risk can be reopened by "
        "setting it back to `open`."
    ),
]
OwnerId = Annotated[UUID, Field(description="A member of the organization.")]
ReviewDate = Annotated[
    CalendarDate,
    Field(description="When to look at it again; overdue once past while not `closed`."),
]


class RiskCreate(InputModel):
    title: Name
    description: LongText | None = None
    category: RiskCategory
    probability: Probability
    impact: Impact
    response: Response
    mitigation_plan: MitigationPlan | None = None
    contingency_plan: ContingencyPlan | None = None
    owner_id: OwnerId | None = None
    review_date: ReviewDate | None = None
    status: Status = RiskStatus.open

    model_config = with_examples(
        {
            "title": "Customer's SSO team unavailable in January",
            "category": "resource",
            "probability": 3,
            "impact": 4,
            "response": "mitigate",
            "mitigation_plan": "Book their SSO engineer for the first week of December.",
            "contingency_plan": "Go live with password login, SSO in a later release.",
            "owner_id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b",
            "review_date": "2026-12-15",
        }
    )


class RiskUpdate(PatchModel):
    model_config = with_examples(
        {
            "probability": 4,
            "status": "mitigating",
            "mitigation_plan": "Book the customer's DBA for the migration weekend.",
        }
    )

    title: Name = unchanged()
    description: LongText | None = None
    category: RiskCategory = unchanged()
    probability: Probability = unchanged()
    impact: Impact = unchanged()
    response: Response = unchanged()
    mitigation_plan: MitigationPlan | None = None
    contingency_plan: ContingencyPlan | None = None
    owner_id: OwnerId | None = None
    review_date: ReviewDate | None = None
    status: Status = unchanged()


Score = Annotated[int, Field(description="probability × impact (1–25), computed by the server.")]


class RiskPublic(OutputModel):
    id: UUID
    project_id: UUID
    title: str
    description: str | None
    category: RiskCategory
    probability: int
    impact: int
    score: Score
    response: RiskResponse
    mitigation_plan: str | None
    contingency_plan: str | None
    owner_id: UUID | None
    review_date: date | None
    status: RiskStatus
    change_request_id: UUID | None = Field(
        description="The change request whose approval raised it (its assessment's "
        "`new_risks`); null for a risk entered by hand."
    )
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field(description=BAND_DESCRIPTION)  # type: ignore[prop-decorator]
    @property
    def band(self) -> RiskBand:
        return band_of(self.score)


class RiskPage(SyncPage[RiskPublic]):
    """A page of risks."""


class RiskChangePublic(OutputModel):
    """The risk as it was right after a change of probability, impact or status."""

    id: UUID
    probability: int
    impact: int
    score: Score
    status: RiskStatus
    changed_at: datetime
    changed_by_api_key_id: UUID | None = Field(description="The API key that made the change.")

    @computed_field(description=BAND_DESCRIPTION)  # type: ignore[prop-decorator]
    @property
    def band(self) -> RiskBand:
        return band_of(self.score)


class RiskChangePage(Page[RiskChangePublic]):
    """A page of a risk's history, oldest first."""


@dataclass(frozen=True, slots=True)
class RiskFilter:
    """What a risk list is narrowed to (every criterion given must hold)."""

    statuses: frozenset[RiskStatus] = frozenset()
    min_score: int | None = None
    max_score: int | None = None
    review_overdue: bool | None = None
    updated_since: datetime | None = None
    change_request_id: UUID | None = None
