"""The survey contract: CSAT and NPS responses, and a project's summary of them."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import EmailStr, Field

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.pagination import Page
from app.core.schemas import InputModel, LongText, Name, OutputModel
from app.models import SurveyKind

SCORE_RANGES: dict[SurveyKind, tuple[int, int]] = {
    SurveyKind.csat: (1, 5),
    SurveyKind.nps: (0, 10),
}


class SurveyResponseCreate(InputModel):
    kind: SurveyKind = Field(description="`csat` (satisfaction) or `nps` (would recommend).")
    score: int = Field(ge=0, le=10, description="CSAT: 1–5; NPS: 0–10. Any other score is a 422.")
    comment: LongText | None = None
    respondent_name: Name | None = None
    respondent_email: Annotated[EmailStr, Field(max_length=320)] | None = None
    collected_on: CalendarDate | None = Field(
        default=None, description="When the answer was given (not in the future); today if absent."
    )

    model_config = with_examples(
        {
            "kind": "nps",
            "score": 9,
            "comment": "The migration went smoothly.",
            "respondent_name": "Grace Hopper",
            "respondent_email": "grace@example.com",
            "collected_on": "2027-03-15",
        }
    )


class SurveyResponsePublic(OutputModel):
    id: UUID
    project_id: UUID
    kind: SurveyKind
    score: int
    comment: str | None
    respondent_name: str | None
    respondent_email: str | None
    collected_on: date
    created_at: datetime


class SurveyResponsePage(Page[SurveyResponsePublic]):
    """A page of survey responses."""


class CsatSummary(OutputModel):
    responses: int
    average: float | None = Field(
        description="Mean score (1–5), rounded to two decimals; null without responses."
    )


class NpsSummary(OutputModel):
    responses: int
    promoters: int = Field(description="Scores 9–10.")
    passives: int = Field(description="Scores 7–8.")
    detractors: int = Field(description="Scores 0–6.")
    score: int | None = Field(
        description="% promoters − % detractors (−100 to 100), rounded to the nearest integer, "
        "halves away from zero (12.5 → 13, −12.5 → −13); null without responses."
    )


class SurveySummary(OutputModel):
    """The project's survey results over the period (every response when no period is given)."""

    csat: CsatSummary
    nps: NpsSummary


@dataclass(frozen=True, slots=True)
class CollectedBetween:
    """A window of `collected_on` dates, both ends included (either may be open)."""

    from_date: date | None = None
    to_date: date | None = None
