"""Feedback: what customers, sales and surveys say about a project, and how fast it is answered."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, project_select
from app.core.writes import assign, new_values
from app.feedback.schemas import (
    FeedbackCreate,
    FeedbackFilter,
    FeedbackTransitionCreate,
    FeedbackUpdate,
)
from app.members.service import require_members
from app.milestones.service import require_milestone_of
from app.models import Feedback, FeedbackStatus, Project
from app.models.base import utcnow
from app.projects.lifecycle import IllegalTransition, ensure_active
from app.projects.service import active_project_of

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
    statement = where_given(
        project_select(Feedback, project),
        {
            Feedback.status: feedback_filter.status,
            Feedback.sentiment: feedback_filter.sentiment,
            Feedback.category: feedback_filter.category,
            Feedback.source: feedback_filter.source,
        },
        at_least={Feedback.updated_at: feedback_filter.updated_since},
    )
    return (await session.exec(page.keyset(statement, Feedback.id))).all()


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
    await require_milestone_of(session, project, data.milestone_id)
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
    project = await active_project_of(session, feedback)
    changes = new_values(feedback, data.changes())
    if "milestone_id" in changes:
        await require_milestone_of(session, project, changes["milestone_id"])
    if not changes:
        return feedback
    assign(feedback, changes)
    await session.flush()
    return feedback


async def move_feedback(
    session: AsyncSession, caller: Caller, feedback: Feedback, data: FeedbackTransitionCreate
) -> Feedback:
    """Move the feedback one step forward (or straight to `closed`), stamping when and by whom;
    any other move is a 409 `illegal-transition`."""
    await active_project_of(session, feedback)
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
    await active_project_of(session, feedback)
    await session.delete(feedback)
    await session.flush()
