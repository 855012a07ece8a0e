"""The meetings contract: meetings with attendees and decisions, cadences, occurrences."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import (
    EmailStr,
    Field,
    computed_field,
    model_validator,
)

from app.core.examples import with_examples
from app.core.moments import CalendarDate, Moment, drawable_moment
from app.core.pagination import Page
from app.core.schemas import (
    InputModel,
    LongText,
    Name,
    OutputModel,
    PatchModel,
    ShortText,
    unchanged,
)
from app.meetings import recurrence
from app.models import MeetingKind, MeetingStatus

MAX_CADENCES_PER_PROJECT = 20

TimeZone = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="IANA time zone the meeting is planned in, e.g. `Europe/Berlin`.",
        examples=["Europe/Berlin"],
    ),
]
Duration = Annotated[int, Field(ge=1, le=1440, description="Minutes, 1 to 1440.")]
Agenda = Annotated[list[ShortText], Field(max_length=50, description="Agenda items, in order.")]
Rule = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description="An RFC 5545 RRULE, DAILY, WEEKLY, MONTHLY or YEARLY, without DTSTART: "
        "`FREQ=WEEKLY;BYDAY=TU` (every Tuesday), `FREQ=MONTHLY;BYDAY=1MO` (first Monday). "
        "`COUNT` or `UNTIL` (in UTC, `…Z`) end it.",
    ),
]


class AttendeeInput(InputModel):
    """A member of your organization, or a customer contact by name and email."""

    member_id: UUID | None = None
    name: Name | None = None
    email: EmailStr | None = Field(default=None, max_length=320)

    @model_validator(mode="after")
    def _member_or_contact(self) -> Self:
        if (self.member_id is None) == (self.name is None or self.email is None):
            raise ValueError("give member_id, or name and email (of a customer contact)")
        return self


class Attendee(OutputModel):
    member_id: UUID | None = Field(description="Set for a member of your organization.")
    name: str = Field(description="The member's or the customer contact's name.")
    email: str = Field(description="The member's or the customer contact's email.")


Attendees = Annotated[list[AttendeeInput], Field(max_length=100)]


class DecisionInput(InputModel):
    text: Annotated[LongText, Field(min_length=1, description="What was decided.")]
    decided_by_id: UUID | None = Field(default=None, description="The member who decided.")
    decided_by_name: Name | None = Field(
        default=None, description="Who decided, when not a member (the customer's sponsor)."
    )
    decided_on: CalendarDate | None = Field(
        default=None,
        description="The day it was decided, not after the day the meeting was held (in its "
        "zone); that day when absent.",
    )

    @model_validator(mode="after")
    def _someone_decided(self) -> Self:
        if self.decided_by_id is None and self.decided_by_name is None:
            raise ValueError("give decided_by_id or decided_by_name")
        return self


class DecisionPublic(OutputModel):
    id: UUID
    text: str
    decided_by_id: UUID | None
    decided_by_name: str | None
    decided_on: date


Decisions = Annotated[list[DecisionInput], Field(max_length=100)]

_MEETING_EXAMPLE: dict[str, Any] = {
    "kind": "kickoff",
    "title": "Kickoff with Globex",
    "starts_at": "2027-01-12T09:00:00Z",
    "time_zone": "Europe/Berlin",
    "duration_minutes": 90,
    "attendees": [
        {"member_id": "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e"},
        {"name": "Hank Scorpio", "email": "hank@globex.example"},
    ],
    "agenda": ["Scope and goals", "Milestones", "Who does what"],
}


class MeetingCreate(InputModel):
    kind: MeetingKind
    title: Name | None = Field(default=None, description="The kind's name when absent.")
    status: MeetingStatus = Field(
        default=MeetingStatus.scheduled,
        description="`scheduled` or `proposed`; a meeting becomes `held` through "
        "`POST /v1/meetings/{meeting_id}/hold`.",
    )
    starts_at: Moment = Field(description="When it starts (with an offset).")
    time_zone: TimeZone = "UTC"
    duration_minutes: Duration = 60
    attendees: Attendees = Field(default_factory=list)
    agenda: Agenda = Field(default_factory=list)
    notes: LongText | None = None
    cadence_id: UUID | None = Field(
        default=None,
        description="The project's cadence this meeting is an occurrence of (then "
        "`occurrence_starts_at` names which); the occurrence is no longer listed apart.",
    )
    occurrence_starts_at: Moment | None = Field(
        default=None, description="The start of the cadence's occurrence it stands for."
    )

    model_config = with_examples(_MEETING_EXAMPLE)


class MeetingUpdate(PatchModel):
    """`attendees`, `agenda` and `decisions` replace the lists; `decisions` once held."""

    model_config = with_examples(
        {"status": "held", "notes": "Scope signed off; training dates agreed."}
    )

    kind: MeetingKind = unchanged()
    title: Name = unchanged()
    status: Annotated[
        MeetingStatus,
        Field(description="`proposed`, `scheduled` or `cancelled` (not once held)."),
    ] = unchanged()
    starts_at: Moment = unchanged()
    time_zone: TimeZone = unchanged()
    duration_minutes: Duration = unchanged()
    attendees: Attendees = unchanged()
    agenda: Agenda = unchanged()
    notes: LongText | None = None
    decisions: Decisions = unchanged()


class MeetingHold(InputModel):
    held_at: Moment | None = Field(
        default=None,
        description="When it took place: not in the future, not before the meeting starts "
        "(409 `meeting-not-started`); now when absent.",
    )
    starts_at: Moment | None = Field(
        default=None,
        description="When it really started, if not as planned: moves the meeting (a "
        "meeting held before its planned start needs it).",
    )
    notes: LongText | None = Field(default=None, description="Replaces the notes when given.")
    attendees: Attendees | None = Field(
        default=None, description="Who actually came (replaces the list when given)."
    )
    decisions: Decisions = Field(default_factory=list)

    model_config = with_examples(
        {
            "notes": "Scope confirmed; data migration is the main risk.",
            "decisions": [
                {
                    "text": "Go-live stays on 1 March",
                    "decided_by_name": "Hank Scorpio (Globex)",
                }
            ],
        }
    )


class Timed(OutputModel):
    """A start in a zone, and how long: the local start and the end are derived."""

    starts_at: datetime = Field(description="UTC.")
    time_zone: str
    duration_minutes: int

    @computed_field(description="The start as wall-clock time in `time_zone`, with its offset.")  # type: ignore[prop-decorator]
    @property
    def local_starts_at(self) -> datetime:
        return recurrence.local(self.starts_at, self.time_zone)

    @computed_field(description="UTC.")  # type: ignore[prop-decorator]
    @property
    def ends_at(self) -> datetime:
        return drawable_moment(self.starts_at) + timedelta(minutes=self.duration_minutes)


class MeetingPublic(Timed):
    id: UUID
    project_id: UUID
    kind: MeetingKind
    title: str
    status: MeetingStatus
    attendees: list[Attendee]
    agenda: list[str]
    notes: str | None
    held_at: datetime | None
    decisions: list[DecisionPublic]
    cadence_id: UUID | None
    occurrence_starts_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class Occurrence(Timed):
    """A meeting in a calendar window: held, planned or cancelled meetings (with their
    `meeting_id`), and the scheduled occurrences of cadences (with `cadence_id` only)."""

    meeting_id: UUID | None = Field(description="Null for an occurrence of a cadence.")
    cadence_id: UUID | None
    project_id: UUID
    kind: MeetingKind
    title: str
    status: MeetingStatus


class OccurrencePage(OutputModel):
    """Meetings starting in [`from`, `to`), by start time. The window is the page: when more
    than `limit` start in it, `next_from` is where the next call starts (occurrences at that
    very instant are repeated, never skipped)."""

    items: list[Occurrence]
    next_from: datetime | None


class CadenceCreate(InputModel):
    kind: MeetingKind = MeetingKind.sync
    title: Name | None = Field(default=None, description="The kind's name when absent.")
    rule: Rule
    starts_at: Moment = Field(
        description="The first start: its wall-clock time in `time_zone` is every "
        "occurrence's time."
    )
    time_zone: TimeZone
    duration_minutes: Duration = 60

    model_config = with_examples(
        {
            "title": "Weekly sync",
            "rule": "FREQ=WEEKLY;BYDAY=TU",
            "starts_at": "2027-01-12T10:00:00+01:00",
            "time_zone": "Europe/Berlin",
            "duration_minutes": 30,
        }
    )


class CadenceUpdate(PatchModel):
    model_config = with_examples({"rule": "FREQ=WEEKLY;BYDAY=TH", "duration_minutes": 45})

    kind: MeetingKind = unchanged()
    title: Name = unchanged()
    rule: Rule = unchanged()
    starts_at: Moment = unchanged()
    time_zone: TimeZone = unchanged()
    duration_minutes: Duration = unchanged()


class CadencePublic(OutputModel):
    id: UUID
    project_id: UUID
    kind: MeetingKind
    title: str
    rule: str
    starts_at: datetime
    time_zone: str
    duration_minutes: int
    next_starts_at: list[datetime] = Field(description="The next (up to 5) starts, in UTC.")
    version: int
    created_at: datetime
    updated_at: datetime


class CadencePage(Page[CadencePublic]):
    """A page of cadences."""
