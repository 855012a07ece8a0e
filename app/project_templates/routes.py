"""`/v1/project-templates`: how projects from won deals are planned (scopes `projects:*`)."""

from typing import Annotated

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep
from app.core.idempotency import IdempotencyDep
from app.core.moments import UpdatedSince
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.project_templates import service
from app.project_templates.deps import ReadableTemplate, TemplateToChange
from app.project_templates.schemas import (
    ProjectTemplateCreate,
    ProjectTemplatePage,
    ProjectTemplatePublic,
    ProjectTemplateUpdate,
)
from app.projects.deps import ProjectsReader, ProjectsWriter

SyncPages = Annotated[SyncPageParams, sync_pages("project_templates", deletions=True)]

router = api_router("project-templates", prefix="/v1/project-templates")


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
async def create_project_template(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    body: ProjectTemplateCreate,
) -> ProjectTemplatePublic:
    """Write a template: milestones and RACI rows for projects from won deals."""
    template = await service.create_template(session, caller, body)
    return ProjectTemplatePublic.model_validate(template)


@router.get("")
async def list_project_templates(
    session: SessionDep,
    caller: ProjectsReader,
    page: SyncPages,
    updated_since: UpdatedSince = None,
) -> ProjectTemplatePage:
    """List the organization's templates, oldest first."""
    rows = await service.list_templates(session, caller, page, updated_since)
    return page.page(rows, ProjectTemplatePage)


@router.get("/default")
async def get_default_project_template(_caller: ProjectsReader) -> ProjectTemplatePublic:
    """The built-in template, applied when a connection or a deal names none."""
    return service.built_in_template()


# `:uuid`: `/default` is a path of its own, so its other methods are 405s, not ids that fail.
TEMPLATE = "/{project_template_id:uuid}"


@router.get(TEMPLATE, responses=NOT_MODIFIED)
async def get_project_template(
    template: ReadableTemplate, cache: CacheCheckDep
) -> ProjectTemplatePublic:
    """Read one template."""
    return ProjectTemplatePublic.model_validate(template)


@router.patch(TEMPLATE, responses=problem_responses(409))
async def update_project_template(
    session: SessionDep,
    template: TemplateToChange,
    body: ProjectTemplateUpdate,
) -> ProjectTemplatePublic:
    """Change a template (JSON merge patch; lists are replaced whole)."""
    template = await service.update_template(session, template, body)
    return ProjectTemplatePublic.model_validate(template)


@router.delete(TEMPLATE, status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(409))
async def delete_project_template(session: SessionDep, template: TemplateToChange) -> None:
    """Delete a template no connection applies; projects planned from it keep their plan."""
    await service.delete_template(session, template)
