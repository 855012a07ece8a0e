"""Meetings in a time window: stored meetings and the occurrences of cadences, together.

`occurrences_between` is the one function calendars, feeds and the share page call.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlmodel import col, exists, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.meetings import recurrence
from app.meetings.schemas import Occurrence
from app.models import Meeting, MeetingAttendee, MeetingCadence, MeetingStatus
from app.models.meeting import PLANNED_STATUSES

MAX_OCCURRENCES = 500


@dataclass(frozen=True)
class Window:
    """The occurrences of a window, by start; `next_from` when `limit` cut it short."""

    items: list[Occurrence]
    next_from: datetime | None


async def occurrences_between(
    session: AsyncSession,
    organization_id: UUID,
    start: datetime,
    end: datetime,
    *,
    project_id: UUID | None = None,
    limit: int = MAX_OCCURRENCES,
) -> Window:
    """Meetings starting in [start, end) — held, planned and cancelled ones, and the scheduled
    occurrences of cadences that no stored meeting stands for — ordered by start, at most
    `limit`. Three queries, whatever the window."""
    meetings = select(Meeting).where(
        Meeting.organization_id == organization_id,
        col(Meeting.starts_at) >= start,
        col(Meeting.starts_at) < end,
    )
    cadences = select(MeetingCadence).where(MeetingCadence.organization_id == organization_id)
    if project_id is not None:
        meetings = meetings.where(Meeting.project_id == project_id)
        cadences = cadences.where(MeetingCadence.project_id == project_id)
    items = [
        Occurrence.model_validate({**meeting.model_dump(), "meeting_id": meeting.id})
        for meeting in await session.exec(meetings)
    ]
    found = list(await session.exec(cadences))
    if found:
        standing_for = await session.exec(
            select(Meeting.cadence_id, Meeting.occurrence_starts_at).where(
                col(Meeting.cadence_id).in_([cadence.id for cadence in found]),
                col(Meeting.occurrence_starts_at) >= start,
                col(Meeting.occurrence_starts_at) < end,
            )
        )
        taken = set(standing_for.all())
        items += [
            Occurrence(
                meeting_id=None,
                cadence_id=cadence.id,
                project_id=cadence.project_id,
                kind=cadence.kind,
                title=cadence.title,
                status=MeetingStatus.scheduled,
                starts_at=moment,
                duration_minutes=cadence.duration_minutes,
                time_zone=cadence.time_zone,
            )
            for cadence in found
            for moment in recurrence.between(
                cadence.rule, cadence.starts_at, cadence.time_zone, start, end
            )
            if (cadence.id, moment) not in taken
        ]
    items.sort(key=lambda item: (item.starts_at, str(item.meeting_id or item.cadence_id)))
    if len(items) > limit:
        return Window(items[:limit], items[limit].starts_at)
    return Window(items, None)


async def upcoming_with_customer(
    session: AsyncSession, organization_id: UUID, project_id: UUID, now: datetime, limit: int
) -> list[Meeting]:
    """The project's planned meetings from `now` on to which a customer contact is invited
    (an attendee who is not a member): what the customer's share page lists. One query."""
    customer_invited = exists().where(
        col(MeetingAttendee.meeting_id) == col(Meeting.id),
        col(MeetingAttendee.member_id).is_(None),
    )
    found = await session.exec(
        select(Meeting)
        .where(
            Meeting.organization_id == organization_id,
            Meeting.project_id == project_id,
            col(Meeting.status).in_(PLANNED_STATUSES),
            col(Meeting.starts_at) >= now,
            customer_invited,
        )
        .order_by(col(Meeting.starts_at), col(Meeting.id))
        .limit(limit)
    )
    return list(found)
