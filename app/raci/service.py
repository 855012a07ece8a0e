"""Activities: the rows of a project's RACI matrix, each created with its letters.

An activity always keeps the rules (exactly one A, at least one R, a member at most once): it is
created with its letters and every change of them is checked in full, so the matrix never has a
half-filled row. Every change moves the project's version, which is the matrix's ETag.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, project_select
from app.core.writes import assign, new_values
from app.models import Activity, Phase, Project, RaciAssignment, RaciRole
from app.models.base import utcnow
from app.projects.changes import claim_project, settle_changed_projects
from app.projects.lifecycle import ensure_active
from app.projects.service import active_project_of
from app.raci.rules import Loc, check_rows
from app.raci.schemas import (
    MAX_ACTIVITIES_PER_PROJECT,
    ActivityCreate,
    ActivityPublic,
    ActivityUpdate,
    AssignmentInput,
    AssignmentPublic,
)

_ARCHIVED = "The project is archived: it can no longer change."
LETTER_ORDER = {role: rank for rank, role in enumerate("ARCI")}
Letters = dict[UUID, RaciRole]  # member id → letter, for one activity


class ActivityNotFound(NotFound):
    subject = "activity"


class TooManyActivities(Conflict):
    slug = "too-many-activities"


def writable(project: Project) -> Project:
    """An archived project is read-only, its RACI matrix included (409)."""
    ensure_active(project, _ARCHIVED)
    return project


async def project_of(session: AsyncSession, activity: Activity) -> Project:
    return await active_project_of(session, activity, _ARCHIVED)


async def get_activity(session: AsyncSession, caller: Caller, activity_id: UUID) -> Activity:
    return await get_owned(session, caller, Activity, activity_id, ActivityNotFound)


async def letters_of(session: AsyncSession, activity_ids: Iterable[UUID]) -> dict[UUID, Letters]:
    """The letters of these activities, in one query."""
    ids = list(activity_ids)
    letters: dict[UUID, Letters] = {activity_id: {} for activity_id in ids}
    if ids:
        rows = await session.exec(
            select(RaciAssignment.activity_id, RaciAssignment.member_id, RaciAssignment.role).where(
                col(RaciAssignment.activity_id).in_(ids)
            )
        )
        for activity_id, member_id, role in rows:
            letters[activity_id][member_id] = RaciRole(role)
    return letters


def public_assignments(letters: Letters) -> list[AssignmentPublic]:
    ordered = sorted(letters.items(), key=lambda item: (LETTER_ORDER[item[1]], item[0]))
    return [AssignmentPublic(member_id=member_id, role=role) for member_id, role in ordered]


def public(activity: Activity, letters: Letters) -> ActivityPublic:
    return ActivityPublic.model_validate(
        {**activity.model_dump(), "assignments": public_assignments(letters)}
    )


def as_letters(assignments: Sequence[AssignmentInput]) -> Letters:
    return {assignment.member_id: assignment.role for assignment in assignments}


async def describe_activity(session: AsyncSession, activity: Activity) -> ActivityPublic:
    letters = await letters_of(session, [activity.id])
    return public(activity, letters[activity.id])


async def list_activities(
    session: AsyncSession,
    project: Project,
    page: PageParams,
    *,
    phase: Phase | None = None,
    updated_since: datetime | None = None,
) -> list[ActivityPublic]:
    """A page of the project's activities with their letters: two queries, whatever the page."""
    statement = where_given(
        project_select(Activity, project),
        {Activity.phase: phase},
        at_least={Activity.updated_at: updated_since},
    )
    activities = (await session.exec(page.keyset(statement, Activity.id))).all()
    letters = await letters_of(session, [activity.id for activity in activities])
    return [public(activity, letters[activity.id]) for activity in activities]


async def replace_letters(session: AsyncSession, letters: Mapping[UUID, Letters]) -> None:
    """Replace all letters of these activities (the rules were checked before)."""
    if not letters:
        return
    await session.exec(
        delete(RaciAssignment).where(col(RaciAssignment.activity_id).in_(list(letters)))
    )
    await _add_letters(session, letters)


async def _add_letters(session: AsyncSession, letters: Mapping[UUID, Letters]) -> None:
    """The letters of activities that have none yet, in one statement."""
    rows = [
        {"activity_id": activity_id, "member_id": member_id, "role": role}
        for activity_id, by_member in letters.items()
        for member_id, role in by_member.items()
    ]
    if rows:
        await session.exec(insert(RaciAssignment).values(rows))


async def raci_changed(
    session: AsyncSession, project: Project, activity_ids: Sequence[UUID]
) -> None:
    """`raci.changed` names the activities whose letters changed, with the project's new version
    (settled now rather than at commit: the event and the matrix's ETag carry it)."""
    await settle_changed_projects(session)
    await record_change(
        session,
        "raci.changed",
        project,
        {"activity_ids": sorted(activity_ids)},
        aggregate_type="project",
    )


def _assignments_data(letters: Letters) -> list[dict[str, Any]]:
    return [item.model_dump() for item in public_assignments(letters)]


async def _next_positions(
    session: AsyncSession, project: Project, phases: Iterable[Phase]
) -> dict[Phase, int]:
    """Where a new activity goes in each of these phases: after the last one there."""
    wanted = set(phases)
    if not wanted:
        return {}
    found = await session.exec(
        select(Activity.phase, func.max(Activity.position))
        .where(Activity.project_id == project.id, col(Activity.phase).in_(wanted))
        .group_by(col(Activity.phase))
    )
    last = dict(found.all())
    return {phase: 0 if last.get(phase) is None else last[phase] + 1 for phase in wanted}


async def create_activity(
    session: AsyncSession, caller: Caller, project: Project, data: ActivityCreate
) -> ActivityPublic:
    """An activity is born complete: its letters keep the rules, or nothing is written (422).
    A project has at most MAX_ACTIVITIES_PER_PROJECT activities (409), so that its whole matrix
    fits in one PUT."""
    [(activity, letters)] = await create_activities(session, caller, project, [data])
    return public(activity, letters)


async def create_activities(
    session: AsyncSession, caller: Caller, project: Project, planned: Sequence[ActivityCreate]
) -> list[tuple[Activity, Letters]]:
    """New activities under the rules of `create_activity`, checked once for all of them and
    written together, as a template plans a project's matrix. One without a position goes
    last in its phase, after those before it here. Each activity with its letters (none for
    none)."""
    if not planned:
        return []
    writable(project)
    single = len(planned) == 1  # its problems name the fields of one activity's body
    rows: list[tuple[Loc, Sequence[AssignmentInput]]] = [
        (["body", "assignments"] if single else ["body", index, "assignments"], data.assignments)
        for index, data in enumerate(planned)
    ]
    await check_rows(session, caller, rows)
    await claim_project(session, project)  # the count and the next position: one at a time
    count = await session.exec(
        select(func.count()).select_from(Activity).where(Activity.project_id == project.id)
    )
    if count.one() + len(planned) > MAX_ACTIVITIES_PER_PROJECT:
        raise TooManyActivities(
            f"A project has at most {MAX_ACTIVITIES_PER_PROJECT} activities; delete one first."
        )
    following = await _next_positions(
        session, project, (data.phase for data in planned if data.position is None)
    )
    created: list[tuple[Activity, Letters]] = []
    for data in planned:
        position = following[data.phase] if data.position is None else data.position
        if data.phase in following:
            following[data.phase] = max(following[data.phase], position + 1)
        activity = Activity(
            organization_id=caller.organization_id,
            project_id=project.id,
            name=data.name,
            phase=data.phase,
            position=position,
        )
        created.append((activity, as_letters(data.assignments)))
    session.add_all(activity for activity, _ in created)
    await session.flush()
    await _add_letters(session, {activity.id: letters for activity, letters in created})
    for activity, letters in created:
        fields = {
            "name": activity.name,
            "phase": activity.phase,
            "position": activity.position,
            "assignments": _assignments_data(letters),
        }
        await record_change(session, "activity.created", activity, fields)
    return created


async def update_activity(
    session: AsyncSession, caller: Caller, activity: Activity, data: ActivityUpdate
) -> ActivityPublic:
    """Rename, move, or replace the letters (checked in full). Changing nothing writes nothing;
    new letters give the activity a new version and a `raci.changed` event."""
    project = await project_of(session, activity)
    changes = data.changes()
    current = (await letters_of(session, [activity.id]))[activity.id]
    new_letters: Letters | None = None
    if "assignments" in changes:
        await check_rows(session, caller, [(["body", "assignments"], data.assignments)])
        new_letters = as_letters(data.assignments)
        del changes["assignments"]
    fields = new_values(activity, changes)
    letters_change = new_letters is not None and new_letters != current
    if not fields and not letters_change:
        return public(activity, current)
    await claim_project(session, project)  # positions and letters: one writer at a time
    assign(activity, fields)
    if letters_change and new_letters is not None:
        await replace_letters(session, {activity.id: new_letters})
        activity.updated_at = utcnow()  # the letters are part of the activity: a new version
        current = new_letters
    await session.flush()
    if fields:
        await record_change(session, "activity.updated", activity, fields)
    if letters_change:
        await raci_changed(session, project, [activity.id])
    return public(activity, current)


async def delete_activity(session: AsyncSession, activity: Activity) -> None:
    """The row and its letters go; `activity.deleted` stays in the feed."""
    await project_of(session, activity)
    await record_change(
        session, "activity.deleted", activity, {"name": activity.name, "phase": activity.phase}
    )
    await session.delete(activity)
    await session.flush()
