"""Load feedback of the caller's organization, or 404; the filters of the feedback list."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.core.moments import UpdatedSince
from app.feedback import service
from app.feedback.schemas import FeedbackFilter
from app.models import Feedback, FeedbackCategory, FeedbackSource, FeedbackStatus, Sentiment
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable(session: SessionDep, caller: ProjectsReader, feedback_id: UUID) -> Feedback:
    return await service.get_feedback(session, caller, feedback_id)


async def _writable(session: SessionDep, caller: ProjectsWriter, feedback_id: UUID) -> Feedback:
    return await service.get_feedback(session, caller, feedback_id)


def _feedback_filter(
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


ReadableFeedback = Annotated[Feedback, Depends(_readable)]
WritableFeedback = Annotated[Feedback, Depends(_writable)]
FeedbackFilterDep = Annotated[FeedbackFilter, Depends(_feedback_filter)]
