"""Feedback: what customers, sales and surveys say about a project, and how fast it is answered."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.events import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.feedback.schemas import (
    FeedbackCreate,
    FeedbackFilter,
    FeedbackTransitionCreate,
    FeedbackUpdate,
)
from app.members.service import require_members
from app.models import Feedback, FeedbackStatus, Milestone, Project
from app.models.base import utcnow
from app.projects.lifecycle import IllegalTransition, ensure_active

# Forward one step at a time; any open feedback may be closed directly (answered at once, or a
# duplicate). Closed is final.
ALLOWED_MOVES: dict[FeedbackStatus, frozenset[FeedbackStatus]] = {
    FeedbackStatus.new: frozenset({FeedbackStatus.acknowledged, FeedbackStatus.closed}),
    FeedbackStatus.acknowledged: frozenset({FeedbackStatus.actioned, FeedbackStatus.closed}),
    FeedbackStatus.actioned: frozenset({FeedbackStatus.closed}),
    FeedbackStatus.closed: frozenset(),
}


class FeedbackNotFound(NotFound):
    subject = "feedback"


async def get_feedback(session: AsyncSession, caller: Caller, feedback_id: UUID) -> Feedback:
    return await get_owned(session, caller, Feedback, feedback_id, FeedbackNotFound)


async def list_feedback(
    session: AsyncSession,
    project: Project,
    page: PageParams,
    feedback_filter: FeedbackFilter,
) -> Sequence[Feedback]:
    statement = select(Feedback).where(
        Feedback.organization_id == project.organization_id, Feedback.project_id == project.id
    )
    for field in ("status", "sentiment", "category", "source"):
        value = getattr(feedback_filter, field)
        if value is not None:
            statement = statement.where(getattr(Feedback, field) == value)
    if feedback_filter.updated_since is not None:
        statement = statement.where(Feedback.updated_at >= feedback_filter.updated_since)
    return (await session.exec(page.keyset(statement, Feedback.id))).all()


async def _require_milestone_of(
    session: AsyncSession, project: Project, milestone_id: UUID | None
) -> None:
    """Feedback is linked to a milestone of its own project only: else a 422 naming the field."""
    if milestone_id is None:
        return
    found = await session.exec(
        select(Milestone.id).where(
            Milestone.id == milestone_id,
            Milestone.project_id == project.id,
            Milestone.organization_id == project.organization_id,
        )
    )
    if found.first() is None:
        raise InvalidInput(
            "The milestone is not one of this project's.",
            errors=[
                FieldProblem(
                    loc=["body", "milestone_id"],
                    message="No such milestone in this project.",
                    type="unknown_reference",
                )
            ],
        )


def _require_past(received_at: datetime) -> None:
    if received_at > utcnow():
        raise InvalidInput(
            "Feedback cannot be received in the future.",
            errors=[
                FieldProblem(
                    loc=["body", "received_at"],
                    message="must not be in the future",
                    type="future",
                )
            ],
        )


async def _project_of(session: AsyncSession, feedback: Feedback) -> Project:
    """The feedback's project, which must not be archived (409)."""
    project = await session.get(Project, feedback.project_id)
    assert project is not None  # the foreign key guarantees it
    ensure_active(project)
    return project


async def create_feedback(
    session: AsyncSession, project: Project, data: FeedbackCreate, caller: Caller | None = None
) -> Feedback:
    """Feedback starts `new`; its `received_at` (now unless given, never in the future) starts
    the clock of the response times; `entered_by_id`, when given, is a member of the caller's
    organization. Records `feedback.received`.

    The project was loaded for the caller (an API key's organization, or a share link's), so
    it names the organization: the API and the customer's share page (no caller, no member)
    both come here."""
    ensure_active(project)
    if data.entered_by_id is not None:
        assert caller is not None, "only an API caller names who entered feedback"
        await require_members(session, caller, {"entered_by_id": data.entered_by_id})
    await _require_milestone_of(session, project, data.milestone_id)
    values = data.model_dump(exclude_none=True)
    if data.received_at is not None:
        _require_past(data.received_at)
    feedback = Feedback(organization_id=project.organization_id, project_id=project.id, **values)
    session.add(feedback)
    await session.flush()
    await record_change(
        session,
        "feedback.received",
        feedback,
        {
            "source": feedback.source,
            "entered_by_id": feedback.entered_by_id,
            "category": feedback.category,
            "sentiment": feedback.sentiment,
            "milestone_id": feedback.milestone_id,
        },
    )
    return feedback


async def update_feedback(
    session: AsyncSession, feedback: Feedback, data: FeedbackUpdate
) -> Feedback:
    """Apply a merge patch to the words, category, sentiment or milestone link. A patch that
    changes nothing writes nothing."""
    project = await _project_of(session, feedback)
    changes: dict[str, Any] = {
        field: value for field, value in data.changes().items() if getattr(feedback, field) != value
    }
    if "milestone_id" in changes:
        await _require_milestone_of(session, project, changes["milestone_id"])
    if not changes:
        return feedback
    for field, value in changes.items():
        setattr(feedback, field, value)
    await session.flush()
    return feedback


async def move_feedback(
    session: AsyncSession, caller: Caller, feedback: Feedback, data: FeedbackTransitionCreate
) -> Feedback:
    """Move the feedback one step forward (or straight to `closed`), stamping when and by whom;
    any other move is a 409 `illegal-transition`."""
    await _project_of(session, feedback)
    if data.to_status not in ALLOWED_MOVES[feedback.status]:
        allowed = ", ".join(sorted(ALLOWED_MOVES[feedback.status])) or "none: it is closed"
        raise IllegalTransition(
            f"Feedback cannot move from {feedback.status} to {data.to_status} (allowed: {allowed})."
        )
    await require_members(session, caller, {"member_id": data.member_id})
    feedback.status = data.to_status
    setattr(feedback, f"{data.to_status}_at", utcnow())
    setattr(feedback, f"{data.to_status}_by_id", data.member_id)
    if data.response_to_customer is not None:
        feedback.response_to_customer = data.response_to_customer
    await session.flush()
    return feedback


async def delete_feedback(session: AsyncSession, feedback: Feedback) -> None:
    await _project_of(session, feedback)
    await session.delete(feedback)
    await session.flush()
