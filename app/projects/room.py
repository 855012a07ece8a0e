"""How many rows of one kind a project may hold: the bound that keeps its whole-plan views
(timeline, chart, share page) and its per-write evaluations quick however it is used."""

from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import Conflict
from app.models import Project
from app.projects.holds import hold_project


async def ensure_room(
    session: AsyncSession,
    project: Project,
    model: Any,
    limit: int,
    refusal: type[Conflict],
    what: str,
    *,
    adding: int = 1,
) -> None:
    """Refuse (409) `adding` more rows of `model` when the project would then hold more than
    `limit`. The project is held first (app/projects/holds.py), so that two concurrent
    additions count one after the other; the lock leaves the project's version as it is."""
    await hold_project(session, project.id)
    count = await session.exec(
        select(func.count()).select_from(model).where(col(model.project_id) == project.id)
    )
    if count.one() + adding > limit:
        raise refusal(f"A project has at most {limit} {what}; delete one first.")
