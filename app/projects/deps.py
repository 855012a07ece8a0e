"""Load a project of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.models import Project
from app.projects import service

ProjectsReader = Annotated[Caller, requires(Scope.projects_read)]
ProjectsWriter = Annotated[Caller, requires(Scope.projects_write)]


async def _readable_project(
    session: SessionDep, caller: ProjectsReader, project_id: UUID
) -> Project:
    return await service.get_project(session, caller, project_id)


async def _readable_project_version(
    session: SessionDep, caller: ProjectsReader, project_id: UUID
) -> int:
    return await service.project_version(session, caller, project_id)


async def _writable_project(
    session: SessionDep, caller: ProjectsWriter, project_id: UUID
) -> Project:
    return await service.get_project(session, caller, project_id)


ReadableProject = Annotated[Project, Depends(_readable_project)]
ReadableProjectVersion = Annotated[int, Depends(_readable_project_version)]
WritableProject = Annotated[Project, Depends(_writable_project)]
