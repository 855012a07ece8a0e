"""Load an activity of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.models import Activity
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.raci import service


async def _readable_activity(
    session: SessionDep, caller: ProjectsReader, activity_id: UUID
) -> Activity:
    return await service.get_activity(session, caller, activity_id)


async def _writable_activity(
    session: SessionDep, caller: ProjectsWriter, activity_id: UUID
) -> Activity:
    return await service.get_activity(session, caller, activity_id)


ReadableActivity = Annotated[Activity, Depends(_readable_activity)]
WritableActivity = Annotated[Activity, Depends(_writable_activity)]
