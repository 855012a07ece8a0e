"""The customer's voice: surveys, `/v1/projects/{project_id}/survey-responses` and the summary."""

from fastapi import Response, status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep, WriteCheckDep, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.models import SurveyKind
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject
from app.surveys import service
from app.surveys.deps import CollectedBetweenDep, ReadableSurveyResponse, WritableSurveyResponse
from app.surveys.schemas import (
    SurveyResponseCreate,
    SurveyResponsePage,
    SurveyResponsePublic,
    SurveySummary,
)

router = api_router("surveys")


@router.post(
    "/v1/projects/{project_id}/survey-responses",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_survey_response(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: SurveyResponseCreate,
    response: Response,
) -> SurveyResponsePublic:
    """Record a CSAT (1–5) or NPS (0–10) answer about a project."""
    survey_response = await service.create_survey_response(session, project, body)
    set_etag(response, service.VERSION)
    return SurveyResponsePublic.model_validate(survey_response)


@router.get("/v1/projects/{project_id}/survey-responses")
async def list_survey_responses(
    session: SessionDep,
    project: ReadableProject,
    page: PageDep,
    window: CollectedBetweenDep,
    kind: SurveyKind | None = None,
) -> SurveyResponsePage:
    """List a project's survey responses, oldest first."""
    rows = await service.list_survey_responses(session, project, page, window, kind)
    return page.page(rows, SurveyResponsePage)


@router.get("/v1/projects/{project_id}/survey-summary")
async def get_survey_summary(
    session: SessionDep, project: ReadableProject, window: CollectedBetweenDep
) -> SurveySummary:
    """Summarize a project's CSAT average and NPS over a period of collection dates."""
    return await service.summarize(session, project, window)


@router.get("/v1/survey-responses/{survey_response_id}", responses=NOT_MODIFIED)
async def get_survey_response(
    survey_response: ReadableSurveyResponse, cache: CacheCheckDep
) -> SurveyResponsePublic:
    """Read one survey response (responses never change: the ETag is always `"1"`)."""
    cache.respond(service.VERSION)
    return SurveyResponsePublic.model_validate(survey_response)


@router.delete(
    "/v1/survey-responses/{survey_response_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_survey_response(
    session: SessionDep, survey_response: WritableSurveyResponse, precondition: WriteCheckDep
) -> None:
    """Delete a survey response given by mistake."""
    precondition.require(service.VERSION)
    await service.delete_survey_response(session, survey_response)
