"""Survey responses (CSAT 1–5, NPS 0–10) and what they add up to for a project."""

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_event
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, project_select
from app.models import Project, SurveyKind, SurveyResponse
from app.models.base import today
from app.projects.lifecycle import ensure_active
from app.projects.service import active_project_of
from app.surveys.schemas import (
    SCORE_RANGES,
    CollectedBetween,
    CsatSummary,
    NpsSummary,
    SurveyResponseCreate,
    SurveySummary,
)
from app.surveys.scores import DETRACTOR_MAX, PROMOTER_MIN, csat_average, nps_score

# A response is never edited (a wrong one is deleted and given again): its version, in its ETag
# and its event, is always 1.
VERSION = 1


class SurveyResponseNotFound(NotFound):
    subject = "survey response"


def _invalid(field: str, message: str, type: str, detail: str) -> InvalidInput:
    return InvalidInput(
        detail, errors=[FieldProblem(loc=["body", field], message=message, type=type)]
    )


async def get_survey_response(
    session: AsyncSession, caller: Caller, survey_response_id: UUID
) -> SurveyResponse:
    return await get_owned(
        session, caller, SurveyResponse, survey_response_id, SurveyResponseNotFound
    )


def _collected_between(statement: Any, window: CollectedBetween) -> Any:
    return where_given(
        statement,
        at_least={SurveyResponse.collected_on: window.from_date},
        at_most={SurveyResponse.collected_on: window.to_date},
    )


async def list_survey_responses(
    session: AsyncSession,
    project: Project,
    page: PageParams,
    window: CollectedBetween,
    kind: SurveyKind | None = None,
) -> Sequence[SurveyResponse]:
    statement = where_given(project_select(SurveyResponse, project), {SurveyResponse.kind: kind})
    statement = _collected_between(statement, window)
    rows: Sequence[SurveyResponse] = (
        await session.exec(page.keyset(statement, SurveyResponse.id))
    ).all()
    return rows


async def create_survey_response(
    session: AsyncSession, project: Project, data: SurveyResponseCreate
) -> SurveyResponse:
    """The score must fit the kind (CSAT 1–5, NPS 0–10) and the answer cannot come from the
    future: else a 422 naming the field. Records `survey.response_received`.

    The project was loaded for the caller (an API key's organization, or a share link's), so
    it names the organization: the API and the customer's share page both come here."""
    ensure_active(project)
    low, high = SCORE_RANGES[data.kind]
    if not low <= data.score <= high:
        raise _invalid(
            "score",
            f"A {data.kind} score is between {low} and {high}.",
            "out_of_range",
            f"{data.score} is not a {data.kind} score.",
        )
    collected_on = data.collected_on or today()
    if collected_on > today():
        raise _invalid(
            "collected_on",
            "must not be in the future",
            "future",
            "Answers are not collected ahead.",
        )
    survey_response = SurveyResponse(
        organization_id=project.organization_id,
        project_id=project.id,
        **{**data.model_dump(), "collected_on": collected_on},
    )
    session.add(survey_response)
    await session.flush()
    await record_event(
        session,
        organization_id=survey_response.organization_id,
        type="survey.response_received",
        aggregate_type="survey_response",
        aggregate_id=survey_response.id,
        aggregate_version=VERSION,
        project_id=project.id,
        data={"kind": survey_response.kind, "score": survey_response.score},
    )
    return survey_response


async def delete_survey_response(session: AsyncSession, survey_response: SurveyResponse) -> None:
    """A response of an archived project stays (409)."""
    await active_project_of(session, survey_response)
    await session.delete(survey_response)
    await session.flush()


def tally_columns() -> tuple[Any, ...]:
    """Per kind of survey: responses, score total, promoters, detractors (group by the kind)."""
    score = col(SurveyResponse.score)
    return (
        col(SurveyResponse.kind),
        func.count(),
        func.sum(score),
        func.count().filter(score >= PROMOTER_MIN),
        func.count().filter(score <= DETRACTOR_MAX),
    )


def summary_of(tallies: dict[SurveyKind, Sequence[int]]) -> SurveySummary:
    """CSAT average and NPS from the tallies of `tally_columns`, by kind (scores.py rounds)."""
    csat_count, csat_total, _, _ = tallies.get(SurveyKind.csat, (0, 0, 0, 0))
    nps_count, _, promoters, detractors = tallies.get(SurveyKind.nps, (0, 0, 0, 0))
    average = csat_average(csat_total, csat_count)
    nps = nps_score(promoters, detractors, nps_count)
    return SurveySummary(
        csat=CsatSummary(responses=csat_count, average=average),
        nps=NpsSummary(
            responses=nps_count,
            promoters=promoters,
            passives=nps_count - promoters - detractors,
            detractors=detractors,
            score=nps,
        ),
    )


async def summarize(
    session: AsyncSession, project: Project, window: CollectedBetween
) -> SurveySummary:
    """CSAT average and NPS over the window, from one grouped query."""
    statement = (
        select_columns(*tally_columns())
        .where(
            col(SurveyResponse.organization_id) == project.organization_id,
            col(SurveyResponse.project_id) == project.id,
        )
        .group_by(col(SurveyResponse.kind))
    )
    found = await session.exec(_collected_between(statement, window))
    return summary_of({row[0]: row[1:] for row in found})


def collected_window(from_date: date | None, to_date: date | None) -> CollectedBetween:
    """`from` after `to` matches nothing: a 422 rather than an empty answer."""
    if from_date is not None and to_date is not None and from_date > to_date:
        raise InvalidInput(
            "`from` is after `to`: no response could match.",
            errors=[
                FieldProblem(
                    loc=["query", "to"], message="must not be before from", type="range_order"
                )
            ],
        )
    return CollectedBetween(from_date=from_date, to_date=to_date)
