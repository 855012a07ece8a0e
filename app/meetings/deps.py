"""Load a meeting or a cadence of the caller's organization, or 404; the calendar window."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Query

from app.core.errors import FieldProblem, InvalidInput
from app.core.moments import Moment
from app.core.path_rows import path_row
from app.meetings.cadences import get_cadence
from app.meetings.calendar import MAX_OCCURRENCES
from app.meetings.service import get_meeting
from app.models import Meeting, MeetingCadence
from app.projects.deps import ProjectsReader, ProjectsWriter

MAX_WINDOW = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class CalendarWindow:
    start: datetime
    end: datetime
    limit: int


async def _window(
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


ReadableMeeting = Annotated[Meeting, Depends(path_row(get_meeting, "meeting_id", ProjectsReader))]
MeetingToChange = Annotated[
    Meeting, Depends(path_row(get_meeting, "meeting_id", ProjectsWriter, if_match=True))
]
ReadableCadence = Annotated[
    MeetingCadence, Depends(path_row(get_cadence, "cadence_id", ProjectsReader))
]
CadenceToChange = Annotated[
    MeetingCadence, Depends(path_row(get_cadence, "cadence_id", ProjectsWriter, if_match=True))
]
CalendarWindowDep = Annotated[CalendarWindow, Depends(_window)]
