"""Load a meeting or a cadence of the caller's organization, or 404; the calendar window."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from app.core.deps import SessionDep
from app.core.errors import FieldProblem, InvalidInput
from app.core.moments import Moment
from app.meetings import cadences, service
from app.meetings.calendar import MAX_OCCURRENCES
from app.models import Meeting, MeetingCadence
from app.projects.deps import ProjectsReader, ProjectsWriter

MAX_WINDOW = timedelta(days=366)


async def _readable(session: SessionDep, caller: ProjectsReader, meeting_id: UUID) -> Meeting:
    return await service.get_meeting(session, caller, meeting_id)


async def _writable(session: SessionDep, caller: ProjectsWriter, meeting_id: UUID) -> Meeting:
    return await service.get_meeting(session, caller, meeting_id)


async def _readable_cadence(
    session: SessionDep, caller: ProjectsReader, cadence_id: UUID
) -> MeetingCadence:
    return await cadences.get_cadence(session, caller, cadence_id)


async def _writable_cadence(
    session: SessionDep, caller: ProjectsWriter, cadence_id: UUID
) -> MeetingCadence:
    return await cadences.get_cadence(session, caller, cadence_id)


@dataclass(frozen=True, slots=True)
class CalendarWindow:
    start: datetime
    end: datetime
    limit: int


def _window(
    start: Annotated[
        Moment, Query(alias="from", description="Meetings starting at or after this.")
    ],
    end: Annotated[
        Moment,
        Query(alias="to", description="…and before this; at most 366 days after `from`."),
    ],
    limit: Annotated[
        int, Query(ge=1, le=MAX_OCCURRENCES, description="At most this many meetings.")
    ] = MAX_OCCURRENCES,
) -> CalendarWindow:
    if end <= start or end - start > MAX_WINDOW:
        raise InvalidInput(
            "`to` must be after `from`, and at most 366 days after it.",
            errors=[
                FieldProblem(
                    loc=["query", "to"],
                    message="after from, within 366 days",
                    type="range_order",
                )
            ],
        )
    return CalendarWindow(start, end, limit)


ReadableMeeting = Annotated[Meeting, Depends(_readable)]
WritableMeeting = Annotated[Meeting, Depends(_writable)]
ReadableCadence = Annotated[MeetingCadence, Depends(_readable_cadence)]
WritableCadence = Annotated[MeetingCadence, Depends(_writable_cadence)]
CalendarWindowDep = Annotated[CalendarWindow, Depends(_window)]
