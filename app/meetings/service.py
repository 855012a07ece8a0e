"""Meetings: planned, held (with decisions) or cancelled; attendees are members or contacts."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.outbox import record_change
from app.core.tenancy import get_owned
from app.core.writes import assign, flush_or
from app.meetings import recurrence
from app.meetings.schemas import (
    AttendeeInput,
    DecisionInput,
    MeetingCreate,
    MeetingHold,
    MeetingPublic,
    MeetingUpdate,
)
from app.members.service import require_members
from app.models import (
    Decision,
    Meeting,
    MeetingAttendee,
    MeetingCadence,
    MeetingKind,
    MeetingStatus,
    Member,
    Project,
)
from app.models.base import utcnow
from app.models.meeting import PLANNED_STATUSES
from app.projects.holds import hold_project
from app.projects.lifecycle import IllegalTransition, ensure_active
from app.projects.service import active_project_of

# Statuses a PATCH may set; `held` is reached by holding the meeting (it records decisions).
PATCHABLE_STATUSES = frozenset({*PLANNED_STATUSES, MeetingStatus.cancelled})


class MeetingNotFound(NotFound):
    subject = "meeting"


class MeetingNotHeld(Conflict):
    slug = "meeting-not-held"


class MeetingNotStarted(Conflict):
    slug = "meeting-not-started"


class OccurrencePlanned(Conflict):
    slug = "occurrence-planned"


def default_title(kind: MeetingKind) -> str:
    """`milestone_review` → `Milestone review`."""
    return kind.value.replace("_", " ").capitalize()


def field_problem(field: str, message: str, kind: str) -> InvalidInput:
    """A 422 naming one field of the body."""
    return InvalidInput(
        message, errors=[FieldProblem(loc=["body", field], message=message, type=kind)]
    )


def require_zone(time_zone: str) -> None:
    try:
        recurrence.zone(time_zone)
    except recurrence.InvalidRule as exc:
        raise field_problem("time_zone", str(exc), "time_zone") from exc


async def get_meeting(session: AsyncSession, caller: Caller, meeting_id: UUID) -> Meeting:
    return await get_owned(session, caller, Meeting, meeting_id, MeetingNotFound)


async def describe_meeting(session: AsyncSession, meeting: Meeting) -> MeetingPublic:
    """The meeting with its attendees (a member with the member's name and email) and
    decisions: three queries."""
    attendees = await session.exec(
        select(MeetingAttendee, Member.name, Member.email)
        .outerjoin(Member, col(Member.id) == col(MeetingAttendee.member_id))
        .where(MeetingAttendee.meeting_id == meeting.id)
        .order_by(col(MeetingAttendee.id))
    )
    decisions = await session.exec(
        select(Decision).where(Decision.meeting_id == meeting.id).order_by(col(Decision.id))
    )
    return MeetingPublic.model_validate(
        {
            **meeting.model_dump(),
            "attendees": [
                {
                    "member_id": attendee.member_id,
                    "name": attendee.name or member_name,
                    "email": attendee.email or member_email,
                }
                for attendee, member_name, member_email in attendees
            ],
            "decisions": [decision.model_dump() for decision in decisions],
        }
    )


async def _check_attendees(
    session: AsyncSession, caller: Caller, attendees: Sequence[AttendeeInput], field: str
) -> None:
    await require_members(
        session,
        caller,
        {f"{field}.{index}.member_id": a.member_id for index, a in enumerate(attendees)},
    )


async def _check_decisions(
    session: AsyncSession, caller: Caller, decisions: Sequence[DecisionInput], field: str
) -> None:
    await require_members(
        session,
        caller,
        {f"{field}.{index}.decided_by_id": d.decided_by_id for index, d in enumerate(decisions)},
    )


async def replace_attendees(
    session: AsyncSession, meeting: Meeting, attendees: Sequence[AttendeeInput]
) -> None:
    """The meeting's attendees become exactly these (a member listed twice counts once)."""
    await hold_project(session, meeting.project_id)  # the project before the rows deleted here
    await session.exec(delete(MeetingAttendee).where(col(MeetingAttendee.meeting_id) == meeting.id))
    seen: set[object] = set()
    for attendee in attendees:
        key = attendee.member_id or (attendee.email or "").lower()
        if key in seen:
            continue
        seen.add(key)
        session.add(
            MeetingAttendee(
                organization_id=meeting.organization_id,
                meeting_id=meeting.id,
                member_id=attendee.member_id,
                name=None if attendee.member_id else attendee.name,
                email=None if attendee.member_id else attendee.email,
            )
        )
    await session.flush()


def _require_started(starts_at: datetime, held_at: datetime) -> None:
    """A meeting is held once it has started: held before its start is a 409, unless its time
    is moved (the hold's `starts_at`, or a PATCH before holding)."""
    if held_at < starts_at:
        raise MeetingNotStarted(
            f"The meeting starts at {starts_at.isoformat()}: it cannot have been held at "
            f"{held_at.isoformat()}. If it took place earlier, move it: give `starts_at` with "
            "the hold."
        )


def held_day(meeting: Meeting) -> date:
    """The day the meeting was held, in its zone: the day its decisions were taken."""
    return recurrence.local(meeting.held_at or meeting.starts_at, meeting.time_zone).date()


def _require_decided_by_then(decisions: Sequence[DecisionInput], day: date, field: str) -> None:
    """A decision of a meeting is taken by the day the meeting is held, not later."""
    late = [index for index, d in enumerate(decisions) if d.decided_on and d.decided_on > day]
    if late:
        message = f"A decision of this meeting is taken by the day it was held ({day})."
        raise InvalidInput(
            message,
            errors=[
                FieldProblem(
                    loc=["body", field, str(index), "decided_on"], message=message, type="date"
                )
                for index in late
            ],
        )


async def _replace_decisions(
    session: AsyncSession, meeting: Meeting, decisions: Sequence[DecisionInput]
) -> list[Decision]:
    """The decisions become exactly these; each is dated the day the meeting was held unless
    its `decided_on` says otherwise (never later)."""
    await hold_project(session, meeting.project_id)  # the project before the rows deleted here
    await session.exec(delete(Decision).where(col(Decision.meeting_id) == meeting.id))
    day = held_day(meeting)
    rows = [
        Decision(
            organization_id=meeting.organization_id,
            meeting_id=meeting.id,
            text=decision.text,
            decided_by_id=decision.decided_by_id,
            decided_by_name=decision.decided_by_name,
            decided_on=decision.decided_on or day,
        )
        for decision in decisions
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def _check_occurrence(
    session: AsyncSession, project: Project, cadence_id: UUID | None, moment: datetime | None
) -> None:
    """A meeting standing for a cadence's occurrence names a real one of this project's."""
    if cadence_id is None and moment is None:
        return
    if cadence_id is None or moment is None:
        raise field_problem(
            "occurrence_starts_at",
            "cadence_id and occurrence_starts_at go together.",
            "missing",
        )
    cadence = await session.get(MeetingCadence, cadence_id)
    if cadence is None or cadence.project_id != project.id:
        raise field_problem("cadence_id", "No such cadence in this project.", "unknown_reference")
    found = recurrence.between(
        cadence.rule, cadence.starts_at, cadence.time_zone, moment, moment + timedelta(seconds=1)
    )
    if not found:
        raise field_problem(
            "occurrence_starts_at",
            "The cadence has no occurrence at that time.",
            "not_an_occurrence",
        )


async def _withdraw_proposed_kickoffs(session: AsyncSession, project: Project) -> None:
    """A kickoff planned by hand replaces the one proposed for a won deal's project: the
    proposal is cancelled (calendars drop it), so the project keeps one kickoff."""
    proposals = await session.exec(
        select(Meeting).where(
            Meeting.project_id == project.id,
            Meeting.kind == MeetingKind.kickoff,
            Meeting.status == MeetingStatus.proposed,
        )
    )
    for proposal in proposals:
        proposal.status = MeetingStatus.cancelled
        proposal.updated_at = utcnow()  # a new version: pollers and ETags see the cancellation


async def create_meeting(
    session: AsyncSession, caller: Caller, project: Project, data: MeetingCreate
) -> Meeting:
    """A planned meeting (`scheduled` or `proposed`); it is held through `hold_meeting`.
    A new kickoff cancels a proposed one (see `_withdraw_proposed_kickoffs`)."""
    ensure_active(project)
    require_zone(data.time_zone)
    if data.status not in PLANNED_STATUSES:
        raise field_problem(
            "status", "A new meeting is scheduled or proposed; hold it afterwards.", "status"
        )
    await _check_attendees(session, caller, data.attendees, "attendees")
    await _check_occurrence(session, project, data.cadence_id, data.occurrence_starts_at)
    if data.kind is MeetingKind.kickoff:
        await _withdraw_proposed_kickoffs(session, project)
    meeting = Meeting(
        organization_id=caller.organization_id,
        project_id=project.id,
        **data.model_dump(exclude={"attendees", "title"}),
        title=data.title or default_title(data.kind),
    )
    session.add(meeting)
    # One meeting stands for an occurrence (a unique key): planned before, or by a concurrent
    # request, it is a 409 rather than a second meeting.
    planned = "A meeting already stands for this occurrence of the cadence: change that one."
    await flush_or(session, OccurrencePlanned(planned))
    await replace_attendees(session, meeting, data.attendees)
    return meeting


async def update_meeting(
    session: AsyncSession, caller: Caller, meeting: Meeting, data: MeetingUpdate
) -> Meeting:
    """Apply a merge patch. A held meeting stays held; decisions change only once held."""
    await active_project_of(session, meeting)
    changes: dict[str, Any] = data.changes()
    attendees = changes.pop("attendees", None)
    decisions = changes.pop("decisions", None)
    if "time_zone" in changes:
        require_zone(changes["time_zone"])
    moved = "status" in changes and changes["status"] != meeting.status
    if moved and (
        meeting.status is MeetingStatus.held or changes["status"] not in PATCHABLE_STATUSES
    ):
        raise IllegalTransition(
            f"A {meeting.status} meeting cannot become {changes['status']} by a change; "
            "hold a meeting with POST /v1/meetings/{meeting_id}/hold."
        )
    if decisions is not None and meeting.status is not MeetingStatus.held:
        raise MeetingNotHeld("Decisions are recorded once the meeting is held.")
    if meeting.held_at is not None and "starts_at" in changes:
        _require_started(changes["starts_at"], meeting.held_at)
    if decisions is not None:
        _require_decided_by_then(data.decisions, held_day(meeting), "decisions")
    if attendees is not None:
        await _check_attendees(session, caller, data.attendees, "attendees")
        await replace_attendees(session, meeting, data.attendees)
    if decisions is not None:
        await _check_decisions(session, caller, data.decisions, "decisions")
        await _replace_decisions(session, meeting, data.decisions)
    assign(meeting, changes)
    meeting.updated_at = utcnow()  # a new version even when only the lists changed
    await session.flush()
    return meeting


async def hold_meeting(
    session: AsyncSession, caller: Caller, meeting: Meeting, data: MeetingHold
) -> Meeting:
    """The meeting took place: notes, who came, and what was decided. Records `meeting.held`
    with its decisions. Only a proposed or scheduled meeting can be held (else 409), once it
    has started (else 409 `meeting-not-started`: give `starts_at` when it took place earlier
    than planned). Decisions are dated the day it was held."""
    await active_project_of(session, meeting)
    if meeting.status not in PLANNED_STATUSES:
        raise IllegalTransition(f"A {meeting.status} meeting cannot be held.")
    held_at = data.held_at or utcnow()
    if held_at > utcnow():
        raise field_problem("held_at", "A meeting cannot be held in the future.", "future")
    starts_at = data.starts_at or meeting.starts_at
    _require_started(starts_at, held_at)
    day = recurrence.local(held_at, meeting.time_zone).date()
    _require_decided_by_then(data.decisions, day, "decisions")
    await _check_decisions(session, caller, data.decisions, "decisions")
    meeting.starts_at = starts_at
    meeting.held_at = held_at
    if data.attendees is not None:
        await _check_attendees(session, caller, data.attendees, "attendees")
        await replace_attendees(session, meeting, data.attendees)
    decisions = await _replace_decisions(session, meeting, data.decisions)
    meeting.status = MeetingStatus.held
    if data.notes is not None:
        meeting.notes = data.notes
    await session.flush()
    await record_change(
        session,
        "meeting.held",
        meeting,
        {
            "kind": meeting.kind,
            "title": meeting.title,
            "starts_at": meeting.starts_at,
            "held_at": held_at,
            "decisions": [
                {
                    "decision_id": decision.id,
                    "text": decision.text,
                    "decided_by_id": decision.decided_by_id,
                    "decided_by_name": decision.decided_by_name,
                    "decided_on": decision.decided_on,
                }
                for decision in decisions
            ],
        },
    )
    return meeting


async def delete_meeting(session: AsyncSession, meeting: Meeting) -> None:
    """Action items and lessons that came from it stay, without the link."""
    await active_project_of(session, meeting)
    await session.delete(meeting)
    await session.flush()
