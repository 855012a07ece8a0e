"""What the working rhythm puts in calendar feeds: meetings, cadences and action-item due dates.

- A **meeting** is a timed event in its own zone with its attendees (members and customer
  contacts); a cancelled one stays in the feed as `STATUS:CANCELLED`, so calendars remove it.
- A **cadence** is one recurring event (`RRULE`), expanded by the calendar itself. An occurrence
  that a stored meeting stands for is left out of the rule (`EXDATE`): the meeting is its own
  event, with its own attendees, notes and status.
- An **action item** with a due date is an all-day event on that day.

A project's feed has all of the project's; a member's has the meetings they attend, the
cadences of the projects they manage or sold, and the action items they owe, across the
organization's active projects.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from icalendar import Event, vRecur
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.calendars.feed import (
    MAX_ENTRIES_PER_SOURCE,
    Attendee,
    EventSource,
    FeedSubject,
    all_day_event,
    milestone_events,
    of_subject,
    timed_event,
    titled,
    uid_of,
)
from app.meetings import recurrence
from app.models import (
    ActionItem,
    Meeting,
    MeetingAttendee,
    MeetingCadence,
    MeetingStatus,
    Member,
    Project,
)

STATUS = {
    MeetingStatus.proposed: "TENTATIVE",
    MeetingStatus.scheduled: "CONFIRMED",
    MeetingStatus.held: "CONFIRMED",
    MeetingStatus.cancelled: "CANCELLED",
}


async def _attendees(
    session: AsyncSession, meeting_ids: Sequence[UUID]
) -> dict[UUID, list[Attendee]]:
    """Everyone invited to each meeting (one query): members by their name and email,
    customer contacts by theirs."""
    found: dict[UUID, list[Attendee]] = defaultdict(list)
    if not meeting_ids:
        return found
    rows = await session.exec(
        select(MeetingAttendee, Member.name, Member.email)
        .outerjoin(Member, col(Member.id) == col(MeetingAttendee.member_id))
        .where(col(MeetingAttendee.meeting_id).in_(meeting_ids))
        .order_by(col(MeetingAttendee.id))
    )
    for attendee, member_name, member_email in rows:
        name, email = attendee.name or member_name, attendee.email or member_email
        if name and email:
            found[attendee.meeting_id].append(Attendee(name=name, email=email))
    return found


async def meeting_events(session: AsyncSession, subject: FeedSubject) -> list[Event]:
    attends = col(Meeting.id).in_(
        select(MeetingAttendee.meeting_id).where(MeetingAttendee.member_id == subject.member_id)
    )
    statement = of_subject(select(Meeting, Project.name), Meeting, subject, attends)
    statement = statement.order_by(col(Meeting.starts_at).desc(), col(Meeting.id)).limit(
        MAX_ENTRIES_PER_SOURCE
    )
    rows = list(await session.exec(statement))
    attendees = await _attendees(session, [meeting.id for meeting, _ in rows])
    events = []
    for meeting, project_name in rows:
        start = recurrence.local(meeting.starts_at, meeting.time_zone)
        event = timed_event(
            uid_of("meeting", meeting.id),
            titled(subject, project_name, meeting.title),
            start,
            start + timedelta(minutes=meeting.duration_minutes),
            meeting.updated_at,
            meeting.version,
            attendees=attendees[meeting.id],
            description="\n".join(meeting.agenda) or None,
        )
        event.add("status", STATUS[meeting.status])
        event.add("categories", ["Meeting", meeting.kind.value])
        events.append(event)
    return events


async def cadence_events(session: AsyncSession, subject: FeedSubject) -> list[Event]:
    runs = or_(
        col(Project.project_manager_id) == subject.member_id,
        col(Project.sales_owner_id) == subject.member_id,
    )
    statement = of_subject(select(MeetingCadence, Project.name), MeetingCadence, subject, runs)
    rows = list(await session.exec(statement.order_by(col(MeetingCadence.id))))
    if not rows:
        return []
    taken: dict[UUID, list[datetime]] = defaultdict(list)
    standing = await session.exec(
        select(Meeting.cadence_id, Meeting.occurrence_starts_at)
        .where(col(Meeting.cadence_id).in_([cadence.id for cadence, _ in rows]))
        .order_by(col(Meeting.occurrence_starts_at))
    )
    for cadence_id, occurrence in standing:
        if cadence_id is not None and occurrence is not None:
            taken[cadence_id].append(occurrence)
    events = []
    for cadence, project_name in rows:
        start = recurrence.local(cadence.starts_at, cadence.time_zone)
        event = timed_event(
            uid_of("cadence", cadence.id),
            titled(subject, project_name, cadence.title),
            start,
            start + timedelta(minutes=cadence.duration_minutes),
            cadence.updated_at,
            cadence.version,
        )
        event.add("rrule", vRecur.from_ical(cadence.rule.strip().removeprefix("RRULE:")))
        for occurrence in taken[cadence.id]:
            event.add("exdate", recurrence.local(occurrence, cadence.time_zone))
        event.add("categories", ["Meeting", cadence.kind.value])
        events.append(event)
    return events


async def action_item_events(session: AsyncSession, subject: FeedSubject) -> list[Event]:
    owes = col(ActionItem.owner_id) == subject.member_id
    statement = of_subject(select(ActionItem, Project.name), ActionItem, subject, owes)
    statement = (
        statement.where(col(ActionItem.due_date).is_not(None))
        .order_by(col(ActionItem.due_date).desc(), col(ActionItem.id))
        .limit(MAX_ENTRIES_PER_SOURCE)
    )
    events = []
    for item, project_name in await session.exec(statement):
        assert item.due_date is not None  # filtered above
        events.append(
            all_day_event(
                uid_of("action-item", item.id),
                titled(subject, project_name, f"{item.title} (action item, {item.status})"),
                item.due_date,
                item.updated_at,
                item.version,
                description=item.description,
                categories=["Action item", item.status.value],
            )
        )
    return events


SOURCES: tuple[EventSource, ...] = (
    milestone_events,
    meeting_events,
    cadence_events,
    action_item_events,
)
