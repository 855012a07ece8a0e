"""Actual costs: `/v1/projects/{project_id}/cost-entries` and `/v1/cost-entries`."""

from fastapi import Response, status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep, set_etag
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.costs import service
from app.costs.deps import ReadableCostEntry, WritableCostEntry
from app.costs.schemas import CostEntryCreate, CostEntryPage, CostEntryPublic
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject

router = api_router("costs")

# Cost entries are never edited (a wrong one is deleted and booked again): version 1 is the ETag.
VERSION = 1


@router.post(
    "/v1/projects/{project_id}/cost-entries",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_cost_entry(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: CostEntryCreate,
    response: Response,
) -> CostEntryPublic:
    """Book an actual cost on the project (budget variance is measured against these)."""
    entry = await service.book_cost(session, project, body)
    set_etag(response, VERSION)
    return CostEntryPublic.model_validate(entry)


@router.get("/v1/projects/{project_id}/cost-entries")
async def list_cost_entries(
    session: SessionDep, project: ReadableProject, page: PageDep
) -> CostEntryPage:
    """List the costs booked on the project, oldest first."""
    rows = await service.list_cost_entries(session, project, page)
    return page.page(rows, CostEntryPage)


@router.get("/v1/cost-entries/{cost_entry_id}", responses=NOT_MODIFIED)
async def get_cost_entry(entry: ReadableCostEntry, cache: CacheCheckDep) -> CostEntryPublic:
    """Read one cost entry."""
    cache.respond(VERSION)
    return CostEntryPublic.model_validate(entry)


@router.delete(
    "/v1/cost-entries/{cost_entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_cost_entry(session: SessionDep, entry: WritableCostEntry) -> None:
    """Delete a wrongly booked cost."""
    await service.delete_cost_entry(session, entry)
