"""Load a survey response of the caller's organization, or 404; the `from`/`to` window."""

from typing import Annotated

from fastapi import Depends, Query

from app.core.moments import CalendarDate
from app.core.path_rows import path_row
from app.models import SurveyResponse
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.surveys import service
from app.surveys.schemas import CollectedBetween


async def _window(
    from_date: Annotated[
        CalendarDate | None, Query(alias="from", description="Collected on or after this date.")
    ] = None,
    to_date: Annotated[
        CalendarDate | None, Query(alias="to", description="Collected on or before this date.")
    ] = None,
) -> CollectedBetween:
    return service.collected_window(from_date, to_date)


ReadableSurveyResponse = Annotated[
    SurveyResponse,
    Depends(path_row(service.get_survey_response, "survey_response_id", ProjectsReader)),
]
WritableSurveyResponse = Annotated[
    SurveyResponse,
    Depends(path_row(service.get_survey_response, "survey_response_id", ProjectsWriter)),
]
CollectedBetweenDep = Annotated[CollectedBetween, Depends(_window)]
