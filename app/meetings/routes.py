"""Meetings and cadences: `/v1/projects/{project_id}/meetings`, `/v1/meetings/{meeting_id}`,
`/v1/projects/{project_id}/cadences`, `/v1/cadences/{cadence_id}`."""

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.meetings import cadences, service
from app.meetings.calendar import occurrences_between
from app.meetings.deps import (
    CadenceToChange,
    CalendarWindowDep,
    MeetingToChange,
    ReadableCadence,
    ReadableMeeting,
)
from app.meetings.schemas import (
    CadenceCreate,
    CadencePage,
    CadencePublic,
    CadenceUpdate,
    MeetingCreate,
    MeetingHold,
    MeetingPublic,
    MeetingUpdate,
    OccurrencePage,
)
from app.models.base import today
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject

router = api_router("meetings")


@router.post(
    "/v1/projects/{project_id}/meetings",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_meeting(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: MeetingCreate,
) -> MeetingPublic:
    """Plan a meeting of the project (kickoff, sync, review…), with attendees and agenda. A
    kickoff replaces the project's proposed one (which becomes `cancelled`)."""
    meeting = await service.create_meeting(session, caller, project, body)
    return await service.describe_meeting(session, meeting)


@router.get("/v1/projects/{project_id}/meetings")
async def list_meetings(
    session: SessionDep, project: ReadableProject, window: CalendarWindowDep
) -> OccurrencePage:
    """The project's meetings starting in [`from`, `to`): held and planned ones, and the
    scheduled occurrences of its cadences, by start time."""
    found = await occurrences_between(
        session,
        project.organization_id,
        window.start,
        window.end,
        project_id=project.id,
        limit=window.limit,
    )
    return OccurrencePage(items=found.items, next_from=found.next_from)


@router.get("/v1/meetings/{meeting_id}", responses=NOT_MODIFIED)
async def get_meeting(
    session: SessionDep, meeting: ReadableMeeting, cache: CacheCheckDep
) -> MeetingPublic:
    """Read one meeting with its attendees and decisions."""
    return await service.describe_meeting(session, meeting)


@router.patch("/v1/meetings/{meeting_id}", responses=problem_responses(409))
async def update_meeting(
    session: SessionDep,
    caller: ProjectsWriter,
    meeting: MeetingToChange,
    body: MeetingUpdate,
) -> MeetingPublic:
    """Move, re-plan, cancel a meeting or correct its record (JSON merge patch)."""
    meeting = await service.update_meeting(session, caller, meeting, body)
    return await service.describe_meeting(session, meeting)


@router.delete(
    "/v1/meetings/{meeting_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_meeting(session: SessionDep, meeting: MeetingToChange) -> None:
    """Delete a meeting (to keep it on record, cancel it instead)."""
    await service.delete_meeting(session, meeting)


@router.post("/v1/meetings/{meeting_id}/hold", responses=problem_responses(409))
async def hold_meeting(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    meeting: MeetingToChange,
    body: MeetingHold,
) -> MeetingPublic:
    """Record that the meeting took place, with its notes and decisions (`meeting.held`)."""
    meeting = await service.hold_meeting(session, caller, meeting, body)
    return await service.describe_meeting(session, meeting)


@router.post(
    "/v1/projects/{project_id}/cadences",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_cadence(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: CadenceCreate,
) -> CadencePublic:
    """Give the project a recurring meeting: a weekly sync, a monthly review…"""
    cadence = await cadences.create_cadence(session, caller, project, body)
    return cadences.present(cadence)


@router.get("/v1/projects/{project_id}/cadences")
async def list_cadences(
    session: SessionDep, project: ReadableProject, page: PageDep
) -> CadencePage:
    """List the project's cadences, oldest first."""
    rows = await cadences.list_cadences(session, project, page)
    return page.page([cadences.present(row) for row in rows], CadencePage)


@router.get("/v1/cadences/{cadence_id}", responses=NOT_MODIFIED)
async def get_cadence(cadence: ReadableCadence, cache: CacheCheckDep) -> CadencePublic:
    """Read one cadence, with its next starts."""
    cache.respond(cadence.version, as_of=today())
    return cadences.present(cadence)


@router.patch("/v1/cadences/{cadence_id}", responses=problem_responses(409))
async def update_cadence(
    session: SessionDep, cadence: CadenceToChange, body: CadenceUpdate
) -> CadencePublic:
    """Change a cadence's rule, time or details (JSON merge patch)."""
    cadence = await cadences.update_cadence(session, cadence, body)
    return cadences.present(cadence)


@router.delete(
    "/v1/cadences/{cadence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_cadence(session: SessionDep, cadence: CadenceToChange) -> None:
    """Stop a cadence; meetings held from it stay."""
    await cadences.delete_cadence(session, cadence)
