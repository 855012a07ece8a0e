"""The customer's voice: feedback, `/v1/projects/{project_id}/feedback` and `/v1/feedback`."""

from typing import Annotated

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.feedback import service
from app.feedback.deps import FeedbackFilterDep, FeedbackToChange, ReadableFeedback
from app.feedback.schemas import (
    FeedbackCreate,
    FeedbackPage,
    FeedbackPublic,
    FeedbackTransitionCreate,
    FeedbackUpdate,
)
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject

SyncPages = Annotated[SyncPageParams, sync_pages("feedback", deletions=True)]

router = api_router("feedback")


@router.post(
    "/v1/projects/{project_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_feedback(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: FeedbackCreate,
) -> FeedbackPublic:
    """Record feedback on a project; it starts `new` and its response clock starts."""
    feedback = await service.create_feedback(session, project, body, caller)
    return FeedbackPublic.model_validate(feedback)


@router.get("/v1/projects/{project_id}/feedback")
async def list_feedback(
    session: SessionDep,
    project: ReadableProject,
    page: SyncPages,
    feedback_filter: FeedbackFilterDep,
) -> FeedbackPage:
    """List a project's feedback, oldest first."""
    rows = await service.list_feedback(session, project, page, feedback_filter)
    return page.page(rows, FeedbackPage)


@router.get("/v1/feedback/{feedback_id}", responses=NOT_MODIFIED)
async def get_feedback(feedback: ReadableFeedback) -> FeedbackPublic:
    """Read one piece of feedback, with its response times."""
    return FeedbackPublic.model_validate(feedback)


@router.patch("/v1/feedback/{feedback_id}", responses=problem_responses(409))
async def update_feedback(
    session: SessionDep,
    feedback: FeedbackToChange,
    body: FeedbackUpdate,
) -> FeedbackPublic:
    """Change feedback's words, category, sentiment or milestone (JSON merge patch)."""
    feedback = await service.update_feedback(session, feedback, body)
    return FeedbackPublic.model_validate(feedback)


@router.delete(
    "/v1/feedback/{feedback_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_feedback(session: SessionDep, feedback: FeedbackToChange) -> None:
    """Delete feedback (to keep it on record, close it instead)."""
    await service.delete_feedback(session, feedback)


@router.post("/v1/feedback/{feedback_id}/transitions", responses=problem_responses(409))
async def transition_feedback(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    feedback: FeedbackToChange,
    body: FeedbackTransitionCreate,
) -> FeedbackPublic:
    """Move feedback along its workflow (`new → acknowledged → actioned → closed`)."""
    feedback = await service.move_feedback(session, caller, feedback, body)
    return FeedbackPublic.model_validate(feedback)
