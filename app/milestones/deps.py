"""Load a milestone of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.milestones import service
from app.models import Milestone
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable_milestone(
    session: SessionDep, caller: ProjectsReader, milestone_id: UUID
) -> Milestone:
    return await service.get_milestone(session, caller, milestone_id)


async def _writable_milestone(
    session: SessionDep, caller: ProjectsWriter, milestone_id: UUID
) -> Milestone:
    return await service.get_milestone(session, caller, milestone_id)


ReadableMilestone = Annotated[Milestone, Depends(_readable_milestone)]
WritableMilestone = Annotated[Milestone, Depends(_writable_milestone)]
