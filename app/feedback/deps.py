"""Load feedback of the caller's organization, or 404; the filters of the feedback list."""

from typing import Annotated

from fastapi import Depends

from app.core.moments import UpdatedSince
from app.core.path_rows import path_row
from app.feedback import service
from app.feedback.schemas import FeedbackFilter
from app.models import Feedback, FeedbackCategory, FeedbackSource, FeedbackStatus, Sentiment
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _feedback_filter(
    status: FeedbackStatus | None = None,
    sentiment: Sentiment | None = None,
    category: FeedbackCategory | None = None,
    source: FeedbackSource | None = None,
    updated_since: UpdatedSince = None,
) -> FeedbackFilter:
    return FeedbackFilter(
        status=status,
        sentiment=sentiment,
        category=category,
        source=source,
        updated_since=updated_since,
    )


ReadableFeedback = Annotated[
    Feedback, Depends(path_row(service.get_feedback, "feedback_id", ProjectsReader))
]
FeedbackToChange = Annotated[
    Feedback,
    Depends(path_row(service.get_feedback, "feedback_id", ProjectsWriter, if_match=True)),
]
FeedbackFilterDep = Annotated[FeedbackFilter, Depends(_feedback_filter)]
