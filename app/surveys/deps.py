"""Load a survey response of the caller's organization, or 404; the `from`/`to` window."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from app.core.deps import SessionDep
from app.core.moments import CalendarDate
from app.models import SurveyResponse
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.surveys import service
from app.surveys.schemas import CollectedBetween


async def _readable(
    session: SessionDep, caller: ProjectsReader, survey_response_id: UUID
) -> SurveyResponse:
    return await service.get_survey_response(session, caller, survey_response_id)


async def _writable(
    session: SessionDep, caller: ProjectsWriter, survey_response_id: UUID
) -> SurveyResponse:
    return await service.get_survey_response(session, caller, survey_response_id)


def _window(
    from_date: Annotated[
        CalendarDate | None, Query(alias="from", description="Collected on or after this date.")
    ] = None,
    to_date: Annotated[
        CalendarDate | None, Query(alias="to", description="Collected on or before this date.")
    ] = None,
) -> CollectedBetween:
    return service.collected_window(from_date, to_date)


ReadableSurveyResponse = Annotated[SurveyResponse, Depends(_readable)]
WritableSurveyResponse = Annotated[SurveyResponse, Depends(_writable)]
CollectedBetweenDep = Annotated[CollectedBetween, Depends(_window)]
