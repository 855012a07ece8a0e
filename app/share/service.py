"""Share links: a capability URL per customer audience, and what its page shows and accepts.

A link is the only credential of its page: its token (256 random bits) is shown once, only
its SHA-256 is stored, and everything the page reads or writes is scoped to the link's own
organization and project.
"""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import NotFound
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.customer_tasks import service as customer_tasks
from app.feedback import service as feedback_service
from app.feedback.schemas import FeedbackCreate
from app.gantt.service import customer_bars
from app.gantt.svg import MAX_BARS, BarState, render_gantt, state_of
from app.meetings import recurrence
from app.meetings.calendar import upcoming_with_customer
from app.milestones import sign_off
from app.milestones.schemas import TimelineMilestone
from app.models import (
    Customer,
    CustomerTaskStatus,
    FeedbackSource,
    MeetingKind,
    Milestone,
    MilestoneStatus,
    Phase,
    Project,
    ShareLink,
)
from app.models.base import utcnow
from app.projects.lifecycle import ensure_active
from app.projects.status import latest_published_report
from app.share.schemas import (
    FeedbackForm,
    RefusalForm,
    ShareLinkCreate,
    SignOffForm,
    SurveyForm,
    TaskDoneForm,
)
from app.surveys import service as surveys_service
from app.surveys.schemas import SurveyResponseCreate

TOKEN_PREFIX = "hs_"  # noqa: S105 - a prefix that marks share tokens, not a secret
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_SHARED_MEETINGS = 10
# The chart box of static/share.css on a desktop (main 60rem less the paddings and borders): the
# customer sees the whole plan, "Customer acceptance" included, without scrolling sideways.
CHART_WIDTH = 892


class ShareLinkNotFound(NotFound):
    subject = "share link"


class LinkUnknown(Exception):
    """No link has this token (mistyped, or never issued): the page answers 404."""


class LinkGone(Exception):
    """The link was revoked or has expired: the page answers 410."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(
    session: AsyncSession, project: Project, data: ShareLinkCreate
) -> tuple[ShareLink, str]:
    """A new link and its token; the token is not stored, only its hash (409 if the project is
    archived: there is nothing left to follow)."""
    ensure_active(project)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    link = ShareLink(
        organization_id=project.organization_id,
        project_id=project.id,
        label=data.label,
        display_prefix=token[:DISPLAY_PREFIX_LENGTH],
        token_hash=_hash(token),
        expires_at=utcnow() + timedelta(days=data.expires_in_days),
    )
    session.add(link)
    await session.flush()
    return link, token


async def get_link(session: AsyncSession, caller: Caller, share_link_id: UUID) -> ShareLink:
    return await get_owned(session, caller, ShareLink, share_link_id, ShareLinkNotFound)


async def list_links(
    session: AsyncSession, project: Project, page: PageParams, active: bool | None = None
) -> Sequence[ShareLink]:
    statement = select(ShareLink).where(
        ShareLink.organization_id == project.organization_id, ShareLink.project_id == project.id
    )
    if active is not None:
        now = utcnow()
        usable = col(ShareLink.revoked_at).is_(None) & (col(ShareLink.expires_at) > now)
        statement = statement.where(usable if active else ~usable)
    return (await session.exec(page.keyset(statement, ShareLink.id))).all()


async def revoke_link(session: AsyncSession, link: ShareLink) -> ShareLink:
    """The page stops answering at once (410). Revoked links stay listed, for the record;
    revoking twice changes nothing."""
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        await session.flush()
    return link


async def open_link(session: AsyncSession, token: str) -> ShareLink:
    """The link a token opens: `LinkUnknown` if none, `LinkGone` once revoked or expired."""
    found = await session.exec(select(ShareLink).where(ShareLink.token_hash == _hash(token)))
    link = found.first()
    if link is None:
        raise LinkUnknown
    if link.revoked_at is not None or link.expires_at <= utcnow():
        raise LinkGone
    return link


async def _project_of(session: AsyncSession, link: ShareLink) -> Project:
    """The link's project, looked up within the link's organization: a token reaches nothing
    else."""
    found = await session.exec(
        select(Project).where(
            Project.id == link.project_id, Project.organization_id == link.organization_id
        )
    )
    return found.one()


@dataclass(frozen=True, slots=True)
class MilestoneLine:
    name: str
    start: date
    due: date
    state: BarState
    completed_date: date | None


@dataclass(frozen=True, slots=True)
class MeetingLine:
    """A meeting as the customer sees it: what, when (in the meeting's zone), how long."""

    title: str
    kind: MeetingKind
    local_start: datetime
    time_zone: str
    duration_minutes: int


@dataclass(frozen=True, slots=True)
class TaskLine:
    """A task the customer owes: what, by when, and whether it is done."""

    id: UUID
    title: str
    description: str | None
    due: date | None
    done: bool
    overdue: bool


@dataclass(frozen=True, slots=True)
class SignOffLine:
    """A milestone waiting for the customer's sign-off."""

    id: UUID
    name: str
    done: bool


@dataclass(frozen=True, slots=True)
class CustomerView:
    """Everything the share page shows, and nothing else: what the customer may see.

    Internal things (risks, the handoff brief, notes, milestone descriptions, internal report
    text, people's emails, other projects) are never read here, so no template can leak them.
    Customer tasks are the customer's own: their title and description are written for them.
    """

    project_name: str
    customer_name: str
    phase: Phase
    milestones: list[MilestoneLine]
    milestones_left_out: int
    timeline_svg: str
    summary: str | None
    summary_published_at: datetime | None
    meetings: list[MeetingLine]
    tasks: list[TaskLine]
    tasks_left_out: int
    sign_offs: list[SignOffLine]
    expires_at: datetime
    archived: bool


async def customer_view(session: AsyncSession, link: ShareLink, today: date) -> CustomerView:
    """The customer's view of the link's project: its customer-visible milestones (and their
    chart), the customer summary of the latest *published* status report (drafts and the
    internal `summary` stay inside), and the coming meetings a customer contact is invited to
    (their title and time only: agendas, notes and attendees stay inside). The list, like the
    chart, stops at as many milestones as a project may have, and counts the rest."""
    project = await _project_of(session, link)
    tasks, tasks_left_out = await customer_tasks.tasks_for_customer(session, project)
    customer = await session.get(Customer, project.customer_id)
    bars: list[TimelineMilestone] = await customer_bars(session, project)
    report = await latest_published_report(session, project.id)
    meetings = await upcoming_with_customer(
        session, project.organization_id, project.id, utcnow(), MAX_SHARED_MEETINGS
    )
    return CustomerView(
        project_name=project.name,
        customer_name=customer.name if customer is not None else "",
        phase=project.phase,
        milestones=[
            MilestoneLine(bar.name, bar.start, bar.due, state_of(bar, today), bar.completed_date)
            for bar in sorted(bars, key=lambda bar: (bar.due, bar.id))[:MAX_BARS]
        ],
        milestones_left_out=max(0, len(bars) - MAX_BARS),
        timeline_svg=render_gantt(project.name, bars, today, fit_width=CHART_WIDTH),
        summary=report.customer_summary if report is not None else None,
        summary_published_at=report.published_at if report is not None else None,
        meetings=[
            MeetingLine(
                meeting.title,
                meeting.kind,
                recurrence.local(meeting.starts_at, meeting.time_zone),
                meeting.time_zone,
                meeting.duration_minutes,
            )
            for meeting in meetings
        ],
        tasks=[
            TaskLine(
                task.id,
                task.title,
                task.description,
                task.due_date,
                task.status is CustomerTaskStatus.done,
                task.overdue,
            )
            for task in tasks
        ],
        tasks_left_out=tasks_left_out,
        sign_offs=[
            SignOffLine(milestone.id, milestone.name, milestone.status is MilestoneStatus.done)
            for milestone in await _awaiting_sign_off(session, project)
        ],
        expires_at=link.expires_at,
        archived=project.archived_at is not None,
    )


async def _awaiting_sign_off(session: AsyncSession, project: Project) -> list[Milestone]:
    """The soonest due first, and no more than the chart draws: the later ones come up as
    these are signed."""
    found = await session.exec(
        select(Milestone)
        .where(
            Milestone.project_id == project.id,
            Milestone.customer_visible == True,  # noqa: E712 - SQL
            Milestone.requires_sign_off == True,  # noqa: E712 - SQL
            col(Milestone.signed_off_at).is_(None),
        )
        .order_by(col(Milestone.due_date), col(Milestone.id))
        .limit(MAX_BARS)
    )
    return list(found.all())


async def sign_off_milestone(
    session: AsyncSession, link: ShareLink, milestone_id: UUID, form: SignOffForm
) -> None:
    """The customer approves a milestone on the share page."""
    ensure_active(await _project_of(session, link))
    await sign_off.sign_off(session, link, milestone_id, form.signer_name, form.comment or None)


async def refuse_milestone(
    session: AsyncSession, link: ShareLink, milestone_id: UUID, form: RefusalForm
) -> None:
    """The customer refuses a sign-off: their reason becomes feedback on the milestone."""
    project = await _project_of(session, link)
    ensure_active(project)
    await sign_off.refuse(session, link, project, milestone_id, form.reason)


async def leave_feedback(session: AsyncSession, link: ShareLink, form: FeedbackForm) -> None:
    """Feedback typed on the share page: the API's own rule and event, with source `customer`."""
    project = await _project_of(session, link)
    data = FeedbackCreate(
        source=FeedbackSource.customer,
        category=form.category,
        sentiment=form.sentiment,
        text=form.text,
    )
    await feedback_service.create_feedback(session, project, data)


async def mark_task_done(
    session: AsyncSession, link: ShareLink, task_id: UUID, form: TaskDoneForm
) -> None:
    """A customer task marked done on the share page, with the name the customer gave."""
    project = await _project_of(session, link)
    await customer_tasks.done_from_link(session, link, project, task_id, form.name or None)


async def answer_survey(session: AsyncSession, link: ShareLink, form: SurveyForm) -> None:
    """A CSAT or NPS answer from the share page, through the API's own rules and event."""
    project = await _project_of(session, link)
    data = SurveyResponseCreate(kind=form.kind, score=form.score, comment=form.comment or None)
    await surveys_service.create_survey_response(session, project, data)
