"""RFC 5545 feeds, made with `icalendar`: what goes in, and how each kind of entry looks.

A feed is the sum of its *sources*: async functions that return the events of one kind for a
feed's subject (a project, or a member). Milestones are one source (here); meetings, cadences
and action-item due dates are the others (`sources.py`, which lists them all in `SOURCES`),
built with `timed_event` (a meeting: a time in its zone, attendees) or `all_day_event` (a due
date).

Every event keeps one `UID` for its whole life (`<kind>-<id>@handover`), its `SEQUENCE` grows
with the row's version and its `DTSTAMP` is the row's last change: a calendar that polls
updates the event in place instead of adding a copy, and an unchanged feed is the same bytes.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from icalendar import Calendar, Event, vCalAddress, vText
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.moments import drawable
from app.core.printable import printable
from app.models import Milestone, Project

PRODUCT_ID = "-//Handover//Calendar feeds//EN"
UID_DOMAIN = "handover"
# A feed is bounded: the entries due last of each kind (a calendar rarely looks further back).
MAX_ENTRIES_PER_SOURCE = 1000


@dataclass(frozen=True, slots=True)
class FeedSubject:
    """Whose feed it is: a project's (every entry of the project) or a member's (what they own
    or attend, across the organization's active projects)."""

    organization_id: UUID
    name: str
    project_id: UUID | None = None
    member_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    email: str
    required: bool = True


def uid_of(kind: str, row_id: UUID) -> str:
    return f"{kind}-{row_id}@{UID_DOMAIN}"


def _base_event(
    uid: str, summary: str, changed_at: datetime, version: int, description: str | None
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstamp", changed_at)
    event.add("last-modified", changed_at)
    event.add("sequence", max(version - 1, 0))
    if description:
        event.add("description", description)
    return event


def all_day_event(
    uid: str,
    summary: str,
    day: date,
    changed_at: datetime,
    version: int,
    *,
    description: str | None = None,
    categories: Sequence[str] = (),
) -> Event:
    """A date, not a time (a milestone, a due date): shown in every time zone on that day, and
    transparent, so it never blocks anyone's free time."""
    event = _base_event(uid, summary, changed_at, version, description)
    day = drawable(day)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    if categories:
        event.add("categories", list(categories))
    return event


def timed_event(
    uid: str,
    summary: str,
    start: datetime,
    end: datetime,
    changed_at: datetime,
    version: int,
    *,
    attendees: Sequence[Attendee] = (),
    location: str | None = None,
    description: str | None = None,
) -> Event:
    """A time in its own zone (a meeting): `start` and `end` carry a `ZoneInfo`, written as
    `TZID=…` with the zone's `VTIMEZONE` added to the feed, so a calendar abroad moves it right
    across daylight-saving changes."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("a timed event needs aware datetimes (with their time zone)")
    event = _base_event(uid, summary, changed_at, version, description)
    event.add("dtstart", start)
    event.add("dtend", end)
    if location:
        event.add("location", location)
    for person in attendees:
        address = vCalAddress(f"mailto:{person.email}")
        address.params["cn"] = vText(person.name)
        address.params["role"] = vText("REQ-PARTICIPANT" if person.required else "OPT-PARTICIPANT")
        event.add("attendee", address, encode=False)
    return event


def of_subject(statement: Any, model: Any, subject: FeedSubject, member_column: Any) -> Any:
    """The rows of the feed's project, or the member's rows (`member_column`) in the
    organization's active projects."""
    statement = statement.join(Project, col(Project.id) == col(model.project_id)).where(
        col(model.organization_id) == subject.organization_id
    )
    if subject.project_id is not None:
        return statement.where(col(model.project_id) == subject.project_id)
    return statement.where(member_column, col(Project.archived_at).is_(None))


def titled(subject: FeedSubject, project_name: str, title: str) -> str:
    """A member's feed spans projects, so its entries name theirs."""
    return title if subject.project_id is not None else f"{project_name}: {title}"


async def milestone_events(session: AsyncSession, subject: FeedSubject) -> list[Event]:
    """Milestones as all-day events on their due date: every milestone of the project, or the
    milestones a member owns in the organization's active projects."""
    owns = col(Milestone.owner_id) == subject.member_id
    statement = of_subject(select(Milestone, Project.name), Milestone, subject, owns)
    statement = statement.order_by(col(Milestone.due_date).desc(), col(Milestone.id)).limit(
        MAX_ENTRIES_PER_SOURCE
    )
    events = []
    for milestone, project_name in await session.exec(statement):
        status = milestone.status.replace("_", " ")
        events.append(
            all_day_event(
                uid_of("milestone", milestone.id),
                titled(subject, project_name, f"{milestone.name} (milestone, {status})"),
                milestone.due_date,
                milestone.updated_at,
                milestone.version,
                description=milestone.description,
                categories=["Milestone", milestone.status.value],
            )
        )
    return events


EventSource = Callable[[AsyncSession, FeedSubject], Awaitable[list[Event]]]


async def build_feed(
    session: AsyncSession, subject: FeedSubject, sources: Sequence[EventSource]
) -> bytes:
    """The feed as iCalendar bytes; the same rows give the same bytes (events sorted by UID)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", subject.name)
    events: list[Event] = []
    for source in sources:
        events += await source(session, subject)
    for event in sorted(events, key=lambda event: str(event["uid"])):
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return printable(calendar.to_ical().decode()).encode()
