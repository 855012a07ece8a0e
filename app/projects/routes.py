"""`/v1/projects`: what was sold, being delivered."""

from typing import Annotated
from uuid import UUID

from fastapi import Query, status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.moments import UpdatedSince
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.models import Health, Phase
from app.projects import service
from app.projects.deps import ProjectsReader, ProjectsWriter, ProjectToChange, ReadableProject
from app.projects.schemas import ProjectCreate, ProjectPage, ProjectPublic, ProjectUpdate

SyncPages = Annotated[SyncPageParams, sync_pages("projects", deletions=True)]

router = api_router("projects", prefix="/v1/projects")


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
async def create_project(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    body: ProjectCreate,
) -> ProjectPublic:
    """Start a project by hand (CRM deals start theirs on their own)."""
    project = await service.create_project(session, caller, body)
    return ProjectPublic.model_validate(project)


# On PostgreSQL, app/fastpath/ answers the plain change list (`updated_since`, `limit`, `cursor`)
# ahead of this route, as this route would; this route stays the definition.
@router.get("")
async def list_projects(
    session: SessionDep,
    caller: ProjectsReader,
    page: SyncPages,
    phase: Phase | None = None,
    health: Health | None = None,
    customer_id: UUID | None = None,
    project_manager_id: UUID | None = None,
    updated_since: UpdatedSince = None,
    archived: Annotated[bool, Query(description="List archived projects instead.")] = False,
) -> ProjectPage:
    """List the organization's projects, oldest first."""
    rows = await service.list_projects(
        session,
        caller,
        page,
        phase=phase,
        health=health,
        customer_id=customer_id,
        project_manager_id=project_manager_id,
        updated_since=updated_since,
        archived=archived,
    )
    return page.page(rows, ProjectPage)


@router.get("/{project_id}", responses=NOT_MODIFIED)
async def get_project(project: ReadableProject) -> ProjectPublic:
    """Read one project."""
    return ProjectPublic.model_validate(project)


@router.patch("/{project_id}", responses=problem_responses(409))
async def update_project(
    session: SessionDep,
    caller: ProjectsWriter,
    project: ProjectToChange,
    body: ProjectUpdate,
) -> ProjectPublic:
    """Change a project (JSON merge patch); archived projects are read-only (409)."""
    project = await service.update_project(session, caller, project, body)
    return ProjectPublic.model_validate(project)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
async def archive_project(session: SessionDep, project: ProjectToChange) -> None:
    """Archive a project: it leaves the default list but keeps its history."""
    await service.archive_project(session, project)
