"""The RACI matrix: who is Responsible, Accountable, Consulted, Informed."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import Header, Query, Response, status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep, etag_of
from app.core.idempotency import IdempotencyDep
from app.core.moments import UpdatedSince
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.models import Phase
from app.projects.deps import (
    ProjectsReader,
    ProjectsWriter,
    ProjectToChange,
    ReadableProject,
    WritableProject,
)
from app.raci import matrix as matrix_service
from app.raci import service
from app.raci.deps import ActivityToChange, ReadableActivity
from app.raci.export import CSV_MEDIA_TYPE, matrix_csv, wants_csv
from app.raci.schemas import (
    ActivityCreate,
    ActivityPage,
    ActivityPublic,
    ActivityUpdate,
    RaciMatrix,
    RaciMatrixUpdate,
)

SyncPages = Annotated[SyncPageParams, sync_pages("activities", deletions=True)]

router = api_router("raci")

MATRIX_AS_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The matrix; with `Accept: text/csv`, as CSV: a header `activity,phase,"
        "<member names…>`, then one line per activity with its letters.",
        "content": {
            CSV_MEDIA_TYPE: {
                "schema": {"type": "string"},
                "example": "activity,phase,Ada Lovelace,Grace Hopper\r\n"
                "Sign off the scope,planning,A,R\r\n",
            }
        },
    }
}


@router.post(
    "/v1/projects/{project_id}/activities",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_activity(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: ActivityCreate,
) -> ActivityPublic:
    """Add an activity to the RACI matrix, with its letters (exactly one A, at least one R)."""
    activity = await service.create_activity(session, caller, project, body)
    return activity


@router.get("/v1/projects/{project_id}/activities")
async def list_activities(
    session: SessionDep,
    project: ReadableProject,
    page: SyncPages,
    phase: Phase | None = None,
    updated_since: UpdatedSince = None,
) -> ActivityPage:
    """List the project's activities with their letters, oldest first."""
    rows = await service.list_activities(
        session, project, page, phase=phase, updated_since=updated_since
    )
    return page.page(rows, ActivityPage)


@router.get("/v1/activities/{activity_id}", responses=NOT_MODIFIED)
async def get_activity(
    session: SessionDep, activity: ReadableActivity, cache: CacheCheckDep
) -> ActivityPublic:
    """Read one activity with its letters."""
    return await service.describe_activity(session, activity)


@router.patch("/v1/activities/{activity_id}", responses=problem_responses(409))
async def update_activity(
    session: SessionDep,
    caller: ProjectsWriter,
    activity: ActivityToChange,
    body: ActivityUpdate,
) -> ActivityPublic:
    """Change an activity (JSON merge patch); `assignments` replaces all of its letters."""
    updated = await service.update_activity(session, caller, activity, body)
    return updated


@router.delete(
    "/v1/activities/{activity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_activity(session: SessionDep, activity: ActivityToChange) -> None:
    """Remove an activity and its letters from the matrix."""
    await service.delete_activity(session, activity)


@router.get(
    "/v1/projects/{project_id}/raci",
    response_model=RaciMatrix,
    responses={**MATRIX_AS_CSV, **NOT_MODIFIED},
)
async def get_raci_matrix(
    session: SessionDep,
    caller: ProjectsReader,
    project: ReadableProject,
    cache: CacheCheckDep,
    response: Response,
    member_id: Annotated[
        UUID | None,
        Query(description="Only the activities where this member has a letter, and which."),
    ] = None,
    accept: Annotated[
        str | None,
        Header(max_length=1024, description="`text/csv` for a CSV export; JSON otherwise."),
    ] = None,
) -> RaciMatrix | Response:
    """Read the project's RACI matrix as columns and rows ready to render, or as CSV."""
    response.headers["Vary"] = "Accept"
    cache.respond(project.version)
    matrix = await matrix_service.read_matrix(session, caller, project, member_id)
    if not wants_csv(accept):
        return matrix
    return Response(
        matrix_csv(matrix),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={
            "ETag": etag_of(project.version),
            "Vary": "Accept",
            "Content-Disposition": f'attachment; filename="raci-{project.id}.csv"',
        },
    )


@router.put("/v1/projects/{project_id}/raci", responses=problem_responses(409))
async def replace_raci_matrix(
    session: SessionDep,
    caller: ProjectsWriter,
    project: ProjectToChange,
    body: RaciMatrixUpdate,
) -> RaciMatrix:
    """Replace every letter of the project's matrix at once; one 422 lists every broken rule."""
    matrix = await matrix_service.replace_matrix(session, caller, project, body)
    return matrix
