"""`/v1/projects/{project_id}/transitions` and `/status`: phases and where a project stands."""

from uuid import UUID

from fastapi import Response, status

from app.core.deps import DatabaseDep, SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.models.base import today as today_utc
from app.projects import lifecycle
from app.projects.deps import (
    ProjectsReader,
    ProjectsWriter,
    ProjectToChange,
    ReadableProject,
    ReadableProjectVersion,
)
from app.projects.schemas import ProjectStatus, TransitionCreate, TransitionPage, TransitionPublic
from app.projects.status import status_document

router = api_router(
    "projects", prefix="/v1/projects/{project_id}", problems=(401, 403, 404, 422, 500)
)


@router.post("/transitions", status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
async def move_project(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: ProjectToChange,
    body: TransitionCreate,
    response: Response,
) -> TransitionPublic:
    """Move the project to another phase (409 if the lifecycle does not allow the jump)."""
    transition = await lifecycle.move_project(session, caller, project, body)
    set_etag(response, project.version)
    return TransitionPublic.model_validate(transition)


@router.get("/transitions")
async def list_transitions(
    session: SessionDep, project: ReadableProject, page: PageDep
) -> TransitionPage:
    """The project's phase changes: who moved it, when, from where to where."""
    return page.page(await lifecycle.list_transitions(session, project, page), TransitionPage)


# On PostgreSQL, app/fastpath/ answers most polls of this route ahead of it (304, and 200 from
# the kept document), as this route would; this route stays the definition.
@router.get("/status", response_model=ProjectStatus, responses=NOT_MODIFIED)
async def get_project_status(
    session: SessionDep,
    caller: ProjectsReader,
    project_id: UUID,
    version: ReadableProjectVersion,
    cache: CacheCheckDep,
    database: DatabaseDep,
    response: Response,
) -> Response:
    """Where the project stands: phase, health and why, progress, what is late, top risks."""
    today = today_utc()
    cache.respond(version, as_of=today)
    built = await status_document(session, database, caller, project_id, version, today)
    answer = Response(built.document, media_type="application/json", background=built.keep)
    answer.headers.raw.extend(response.headers.raw)  # the ETag, the rate limit's headers
    return answer
