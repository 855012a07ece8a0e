"""How many rows of one kind a project may hold: the bound that keeps its whole-plan views
(timeline, chart, share page) and its per-write evaluations quick however it is used."""

from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import Conflict
from app.core.writes import locked
from app.models import Project


async def ensure_room(
    session: AsyncSession,
    project: Project,
    model: Any,
    limit: int,
    refusal: type[Conflict],
    what: str,
) -> None:
    """Refuse (409) one more row of `model` when the project holds `limit` already. The
    project's row is locked first, so that two concurrent additions count one after the other;
    the lock leaves the project's version as it is. It is the lock a new version takes (FOR NO
    KEY UPDATE, app/projects/changes.py): writers of the project's other parts, whose rows name
    it, are not held up."""
    await session.exec(locked(select(Project.id).where(Project.id == project.id)))
    count = await session.exec(
        select(func.count()).select_from(model).where(col(model.project_id) == project.id)
    )
    if count.one() >= limit:
        raise refusal(f"A project has at most {limit} {what}; delete one first.")
