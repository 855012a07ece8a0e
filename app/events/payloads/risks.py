"""`data` of the risk register's events, and of `risk.alert`."""

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from app.alerts.service import AlertReason
from app.core.schemas import unchanged
from app.events.payloads.base import (
    MEMBER_ID,
    OTHER_MEMBER_ID,
    PROJECT_ID,
    RISK_ID,
    EventData,
    ProjectId,
    Version,
    example,
)
from app.models import RiskCategory, RiskResponse, RiskStatus
from app.risks.bands import BAND_DESCRIPTION, RiskBand

Band = Field(description=BAND_DESCRIPTION)


class RiskEventData(EventData):
    risk_id: UUID = Field(description="The risk.")
    version: Version
    project_id: ProjectId


_RISK = {"risk_id": RISK_ID, "version": 1, "project_id": PROJECT_ID}


class RiskCreatedData(RiskEventData):
    """The new risk's key fields (long texts are left out: read the risk for them)."""

    title: str
    category: RiskCategory
    probability: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    score: int = Field(description="probability × impact (1–25).")
    response: RiskResponse
    status: RiskStatus
    owner_id: UUID | None
    review_date: date | None
    change_request_id: UUID | None = Field(
        description="The change request whose approval raised it; null when entered by hand."
    )
    band: RiskBand = Band

    model_config = example(
        _RISK,
        title="Legacy data is dirty",
        category="technical",
        probability=4,
        impact=3,
        score=12,
        response="mitigate",
        status="open",
        owner_id=MEMBER_ID,
        review_date="2027-01-15",
        change_request_id=None,
        band="high",
    )


class RiskUpdatedData(RiskEventData):
    """The fields that changed, with their new values (`null`: cleared); `score` and `band`
    come with a change of probability or impact that moved the score."""

    title: str = unchanged()
    description: str | None = None
    category: RiskCategory = unchanged()
    probability: int = unchanged()
    impact: int = unchanged()
    response: RiskResponse = unchanged()
    mitigation_plan: str | None = None
    contingency_plan: str | None = None
    owner_id: UUID | None = None
    review_date: date | None = None
    status: RiskStatus = unchanged()
    score: int = unchanged()
    band: RiskBand = unchanged()

    model_config = example(_RISK, version=2, impact=4, score=16, band="critical")


class RiskEscalatedData(RiskEventData):
    """The score rose into a more severe band (raised on the crossing only)."""

    old_score: int
    new_score: int
    old_band: RiskBand
    new_band: RiskBand

    model_config = example(
        _RISK,
        version=2,
        old_score=12,
        new_score=16,
        old_band="high",
        new_band="critical",
    )


class RiskStatusData(RiskEventData):
    status: RiskStatus
    previous_status: RiskStatus | None = Field(description="`null` for a new risk.")


class RiskOccurredData(RiskStatusData):
    model_config = example(
        _RISK,
        version=3,
        status="occurred",
        previous_status="mitigating",
    )


class RiskClosedData(RiskStatusData):
    model_config = example(_RISK, version=4, status="closed", previous_status="open")


class RiskDeletedData(RiskEventData):
    """`version` is one past the risk's last, so the deletion is never older than an update."""

    title: str

    model_config = example(_RISK, version=5, title="Legacy data is dirty")


class AlertRecipient(BaseModel):
    """A person the alert is for, from the project's RACI matrix."""

    member_id: UUID
    name: str
    email: str


class RiskAlertData(EventData):
    """Something needs a person's attention now; raised once per crossing of the condition.

    The alert is about what crossed: `risk_id` (the `risk_*` reasons), `milestone_id`
    (`milestone_missed`) or the project itself (`project_red`); `version` is that one's.
    """

    risk_id: UUID | None = Field(None, description="The risk, for the `risk_*` reasons.")
    milestone_id: UUID | None = Field(None, description="The milestone, for `milestone_missed`.")
    version: Version
    project_id: UUID = Field(description="The project in trouble.")
    reason: AlertReason = Field(
        description="`risk_score`: a risk reached the organization's threshold; "
        "`risk_occurred`: a risk happened; `milestone_missed`: a milestone was missed; "
        "`project_red`: the project's health became red."
    )
    message: str = Field(description="One sentence for a person, e.g. a chat message.")
    score: int | None = Field(None, description="The risk's score, for `risk_score`.")
    threshold: int | None = Field(
        None, description="The organization's alert threshold, for `risk_score`."
    )
    accountable: list[AlertRecipient] = Field(description="Who answers for it (the A).")
    informed: list[AlertRecipient] = Field(description="Who should know (the I).")

    model_config = example(
        _RISK,
        version=2,
        reason="risk_score",
        message="Risk 'Legacy data is dirty' scores 16 (threshold 15) on Globex CRM rollout.",
        score=16,
        threshold=15,
        accountable=[{"member_id": MEMBER_ID, "name": "Ada", "email": "ada@example.com"}],
        informed=[{"member_id": OTHER_MEMBER_ID, "name": "Linus", "email": "linus@example.com"}],
    )
