"""Sign-off by link: the customer approves a milestone on the share page, or refuses it.

Approval records who (the name the signer typed), when and through which link, completes the
milestone if it was waiting for it, and raises `milestone.signed_off`. A refusal becomes
customer feedback linked to the milestone, so it is answered like any other feedback.
"""

from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, NotFound
from app.core.outbox import record_change
from app.core.writes import locked
from app.feedback import service as feedback_service
from app.feedback.schemas import FeedbackCreate
from app.milestones.schemas import MilestoneUpdate
from app.milestones.service import update_milestone
from app.models import (
    FeedbackCategory,
    FeedbackSource,
    Milestone,
    MilestoneStatus,
    Project,
    Sentiment,
    ShareLink,
)
from app.models.base import today, utcnow
from app.projects.holds import hold_project


class SignOffNotFound(NotFound):
    subject = "milestone to sign off"


class AlreadySignedOff(Conflict):
    slug = "already-signed-off"


async def _awaiting(session: AsyncSession, link: ShareLink, milestone_id: UUID) -> Milestone:
    """A customer-visible milestone of the link's own project that asks for sign-off."""
    await hold_project(session, link.project_id)  # the project before its milestone
    found = await session.exec(
        locked(  # answers sent at once take turns: the second finds it signed off (409)
            select(Milestone).where(
                Milestone.id == milestone_id,
                Milestone.project_id == link.project_id,
                Milestone.organization_id == link.organization_id,
                Milestone.customer_visible == True,  # noqa: E712 - SQL
                Milestone.requires_sign_off == True,  # noqa: E712 - SQL
            )
        )
    )
    milestone = found.first()
    if milestone is None:
        raise SignOffNotFound
    if milestone.signed_off_at is not None:
        raise AlreadySignedOff("This milestone is already signed off.")
    return milestone


async def sign_off(
    session: AsyncSession,
    link: ShareLink,
    milestone_id: UUID,
    signer_name: str,
    comment: str | None,
) -> Milestone:
    """The customer approves: who, when, which link; done now if it was not yet."""
    milestone = await _awaiting(session, link, milestone_id)
    milestone.signed_off_at = utcnow()
    milestone.signed_off_by_name = signer_name
    milestone.signed_off_via_share_link_id = link.id
    milestone.sign_off_comment = comment
    await session.flush()
    if milestone.status is not MilestoneStatus.done:
        caller = Caller(link.organization_id, None, frozenset())
        done = MilestoneUpdate(status=MilestoneStatus.done, completed_date=today())
        await update_milestone(session, caller, milestone, done)
    await record_change(
        session,
        "milestone.signed_off",
        milestone,
        {
            "name": milestone.name,
            "signed_off_at": milestone.signed_off_at,
            "signed_off_by_name": signer_name,
            "comment": comment,
            "share_link_id": link.id,
            "acceptance": milestone.acceptance,
        },
    )
    return milestone


async def refuse(
    session: AsyncSession, link: ShareLink, project: Project, milestone_id: UUID, reason: str
) -> None:
    """The customer refuses to sign off: their reason as negative customer feedback on the
    milestone; the milestone stays waiting."""
    milestone = await _awaiting(session, link, milestone_id)
    data = FeedbackCreate(
        source=FeedbackSource.customer,
        category=FeedbackCategory.quality,
        sentiment=Sentiment.negative,
        text=f"Sign-off refused for “{milestone.name}”: {reason}",
        milestone_id=milestone.id,
    )
    await feedback_service.create_feedback(session, project, data)
