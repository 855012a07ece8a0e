"""Calendar feeds: a project's or a member's, by bearer key or by a rotatable secret URL."""

import hashlib
import secrets
from uuid import UUID

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.calendars.feed import FeedSubject, build_feed
from app.calendars.sources import SOURCES
from app.core.errors import NotFound
from app.db import insert_or_ignore
from app.models import CalendarFeed, Member, Project
from app.models.base import new_id, utcnow

SECRET_PREFIX = "hcal_"  # noqa: S105 - a prefix that marks feed secrets, not a secret
DISPLAY_PREFIX_LENGTH = len(SECRET_PREFIX) + 6


class CalendarNotFound(NotFound):
    subject = "calendar feed"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def project_subject(project: Project) -> FeedSubject:
    return FeedSubject(project.organization_id, project.name, project_id=project.id)


def member_subject(member: Member) -> FeedSubject:
    return FeedSubject(member.organization_id, member.name, member_id=member.id)


async def feed_of(session: AsyncSession, subject: FeedSubject) -> bytes:
    return await build_feed(session, subject, SOURCES)


async def rotate_secret(
    session: AsyncSession,
    organization_id: UUID,
    *,
    project_id: UUID | None = None,
    member_id: UUID | None = None,
) -> tuple[CalendarFeed, str]:
    """A new secret for the feed; the previous one (if any) stops working in the same commit.

    One row per feed, claimed by its unique column (insert-or-ignore, then update), so two
    concurrent first rotations cannot create two rows.
    """
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    values = {
        "display_prefix": secret[:DISPLAY_PREFIX_LENGTH],
        "secret_hash": _hash(secret),
        "rotated_at": utcnow(),
        "updated_at": utcnow(),
    }
    owner = CalendarFeed.project_id if project_id is not None else CalendarFeed.member_id
    owner_id = project_id if project_id is not None else member_id
    await session.exec(
        insert_or_ignore(session, CalendarFeed.__table__).values(  # type: ignore[attr-defined]
            id=new_id(),
            organization_id=organization_id,
            project_id=project_id,
            member_id=member_id,
            created_at=utcnow(),
            **values,
        )
    )
    await session.exec(update(CalendarFeed).where(col(owner) == owner_id).values(**values))
    found = await session.exec(select(CalendarFeed).where(col(owner) == owner_id))
    feed = found.one()
    await session.refresh(feed)
    return feed, secret


async def remove_secret(
    session: AsyncSession, *, project_id: UUID | None = None, member_id: UUID | None = None
) -> None:
    """The secret URL stops working; the bearer-key feed is unaffected. Removing none is fine."""
    owner = CalendarFeed.project_id if project_id is not None else CalendarFeed.member_id
    owner_id = project_id if project_id is not None else member_id
    await session.exec(delete(CalendarFeed).where(col(owner) == owner_id))


async def subject_of_secret(session: AsyncSession, secret: str) -> FeedSubject:
    """Whose feed a secret opens (a 404 for an unknown, rotated or removed one), read within the
    feed's own organization."""
    found = await session.exec(
        select(CalendarFeed).where(CalendarFeed.secret_hash == _hash(secret))
    )
    feed = found.first()
    if feed is not None and feed.project_id is not None:
        project = (
            await session.exec(
                select(Project).where(
                    Project.id == feed.project_id,
                    Project.organization_id == feed.organization_id,
                )
            )
        ).first()
        if project is not None:
            return project_subject(project)
    if feed is not None and feed.member_id is not None:
        member = (
            await session.exec(
                select(Member).where(
                    Member.id == feed.member_id, Member.organization_id == feed.organization_id
                )
            )
        ).first()
        if member is not None:
            return member_subject(member)
    raise CalendarNotFound("No calendar feed at this address; it may have been rotated.")
