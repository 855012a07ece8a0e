"""Cadences: a project's recurring meetings, as RFC 5545 rules."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, NotFound
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.core.writes import assign, new_values
from app.meetings import recurrence
from app.meetings.schemas import (
    MAX_CADENCES_PER_PROJECT,
    CadenceCreate,
    CadencePublic,
    CadenceUpdate,
)
from app.meetings.service import default_title, field_problem, require_zone
from app.models import MeetingCadence, Project
from app.models.base import utcnow
from app.projects.lifecycle import ensure_active
from app.projects.room import ensure_room
from app.projects.service import active_project_of

UPCOMING_SHOWN = 5


class CadenceNotFound(NotFound):
    subject = "cadence"


class TooManyCadences(Conflict):
    slug = "too-many-cadences"


def _require_rule(rule: str, starts_at: datetime, time_zone: str) -> None:
    require_zone(time_zone)
    try:
        recurrence.parse(rule, starts_at, time_zone)
    except recurrence.InvalidRule as exc:
        raise field_problem("rule", str(exc), "recurrence_rule") from exc


def present(cadence: MeetingCadence, now: datetime | None = None) -> CadencePublic:
    upcoming = recurrence.next_after(
        cadence.rule, cadence.starts_at, cadence.time_zone, now or utcnow(), UPCOMING_SHOWN
    )
    return CadencePublic.model_validate({**cadence.model_dump(), "next_starts_at": upcoming})


async def get_cadence(session: AsyncSession, caller: Caller, cadence_id: UUID) -> MeetingCadence:
    return await get_owned(session, caller, MeetingCadence, cadence_id, CadenceNotFound)


async def list_cadences(
    session: AsyncSession, project: Project, page: PageParams
) -> Sequence[MeetingCadence]:
    statement = select(MeetingCadence).where(
        MeetingCadence.organization_id == project.organization_id,
        MeetingCadence.project_id == project.id,
    )
    return (await session.exec(page.keyset(statement, col(MeetingCadence.id)))).all()


async def create_cadence(
    session: AsyncSession, caller: Caller, project: Project, data: CadenceCreate
) -> MeetingCadence:
    """A recurring meeting of the project; the rule must recur at most daily. A project has at
    most MAX_CADENCES_PER_PROJECT cadences (409): every calendar window, feed and sweep of the
    clock walks each of them."""
    ensure_active(project)
    limit = MAX_CADENCES_PER_PROJECT
    await ensure_room(session, project, MeetingCadence, limit, TooManyCadences, "cadences")
    _require_rule(data.rule, data.starts_at, data.time_zone)
    cadence = MeetingCadence(
        organization_id=caller.organization_id,
        project_id=project.id,
        **data.model_dump(exclude={"title"}),
        title=data.title or default_title(data.kind),
    )
    session.add(cadence)
    await session.flush()
    return cadence


async def update_cadence(
    session: AsyncSession, cadence: MeetingCadence, data: CadenceUpdate
) -> MeetingCadence:
    """Change the rule, its anchor or the meetings' details; held meetings stay as they were."""
    await active_project_of(session, cadence)
    changes = new_values(cadence, data.changes())
    if not changes:
        return cadence
    _require_rule(
        changes.get("rule", cadence.rule),
        changes.get("starts_at", cadence.starts_at),
        changes.get("time_zone", cadence.time_zone),
    )
    assign(cadence, changes)
    await session.flush()
    return cadence


async def delete_cadence(session: AsyncSession, cadence: MeetingCadence) -> None:
    """Stop the cadence; meetings already held from it stay."""
    await active_project_of(session, cadence)
    await session.delete(cadence)
    await session.flush()
