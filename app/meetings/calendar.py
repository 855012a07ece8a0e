"""Meetings in a time window: stored meetings and the occurrences of cadences, together.

`occurrences_between` is the one function calendars, feeds and the share page call.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from itertools import islice
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
    `limit`. Three queries, whatever the window; the stored meetings and every cadence's
    occurrences are walked in step, and the walk stops at the first one past `limit`, so the
    work follows `limit` and the number of cadences, not the length of the window."""
    meetings = select(Meeting).where(
        Meeting.organization_id == organization_id,
        col(Meeting.starts_at) >= start,
        col(Meeting.starts_at) < end,
    )
    cadences = select(MeetingCadence).where(MeetingCadence.organization_id == organization_id)
    if project_id is not None:
        meetings = meetings.where(Meeting.project_id == project_id)
        cadences = cadences.where(MeetingCadence.project_id == project_id)
    stored = [
        Occurrence.model_validate({**meeting.model_dump(), "meeting_id": meeting.id})
        for meeting in await session.exec(
            meetings.order_by(col(Meeting.starts_at), col(Meeting.id)).limit(limit + 1)
        )
    ]
    found = list(await session.exec(cadences))
    taken: set[tuple[UUID | None, datetime | None]] = set()
    if found:
        standing_for = await session.exec(
            select(Meeting.cadence_id, Meeting.occurrence_starts_at).where(
                col(Meeting.cadence_id).in_([cadence.id for cadence in found]),
                col(Meeting.occurrence_starts_at) >= start,
                col(Meeting.occurrence_starts_at) < end,
            )
        )
        taken = set(standing_for.all())
    planned = [_planned(cadence, start, end, taken) for cadence in found]
    items = list(islice(merge(stored, *planned, key=_in_order), limit + 1))
    if len(items) > limit:
        return Window(items[:limit], items[limit].starts_at)
    return Window(items, None)


def _planned(
    cadence: MeetingCadence,
    start: datetime,
    end: datetime,
    taken: set[tuple[UUID | None, datetime | None]],
) -> Iterator[Occurrence]:
    """The cadence's occurrences in [start, end) that no stored meeting stands for, one at a
    time; its rule is read now."""
    moments = recurrence.walk(cadence.rule, cadence.starts_at, cadence.time_zone, start, end)
    return (
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
        for moment in moments
        if (cadence.id, moment) not in taken
    )


def _in_order(item: Occurrence) -> tuple[datetime, str]:
    return item.starts_at, str(item.meeting_id or item.cadence_id)


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
