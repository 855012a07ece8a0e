"""Load a project template of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.models import ProjectTemplate
from app.project_templates import service
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable(
    session: SessionDep, caller: ProjectsReader, project_template_id: UUID
) -> ProjectTemplate:
    return await service.get_template(session, caller, project_template_id)


async def _writable(
    session: SessionDep, caller: ProjectsWriter, project_template_id: UUID
) -> ProjectTemplate:
    return await service.get_template(session, caller, project_template_id)


ReadableTemplate = Annotated[ProjectTemplate, Depends(_readable)]
WritableTemplate = Annotated[ProjectTemplate, Depends(_writable)]
