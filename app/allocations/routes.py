"""Allocations: who works on what, and who is over 100%."""

from typing import Annotated
from uuid import UUID

from fastapi import Query, status

from app.allocations import conflicts, service
from app.allocations.deps import (
    AllocatedMember,
    AllocationToChange,
    AllocationWindowDep,
    ReadableAllocation,
)
from app.allocations.schemas import (
    AllocationConflicts,
    AllocationCreate,
    AllocationPage,
    AllocationPublic,
    AllocationUpdate,
)
from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.moments import CalendarDate
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.projects.deps import ProjectsReader, ProjectsWriter, ReadableProject, WritableProject

SyncPages = Annotated[SyncPageParams, sync_pages("allocations", deletions=True)]

router = api_router("allocations")


@router.post(
    "/v1/projects/{project_id}/allocations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_allocation(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: AllocationCreate,
) -> AllocationPublic:
    """Put a member on the project for a date range, at a share of their capacity."""
    allocation = await service.create_allocation(session, caller, project, body)
    return AllocationPublic.model_validate(allocation)


@router.get("/v1/projects/{project_id}/allocations")
async def list_project_allocations(
    session: SessionDep,
    caller: ProjectsReader,
    project: ReadableProject,
    window: AllocationWindowDep,  # its parameters before the page's, as the contract lists them
    page: SyncPages,
    member_id: UUID | None = None,
) -> AllocationPage:
    """List the project's allocations, oldest first."""
    rows = await service.list_allocations(
        session, caller, page, window, project_id=project.id, member_id=member_id
    )
    return page.page(rows, AllocationPage)


@router.get("/v1/members/{member_id}/allocations")
async def list_member_allocations(
    session: SessionDep,
    caller: ProjectsReader,
    member: AllocatedMember,
    window: AllocationWindowDep,  # its parameters before the page's, as the contract lists them
    page: SyncPages,
    project_id: UUID | None = None,
) -> AllocationPage:
    """List a member's allocations on every project (archived ones included), oldest first."""
    rows = await service.list_allocations(
        session, caller, page, window, member_id=member.id, project_id=project_id
    )
    return page.page(rows, AllocationPage)


@router.get("/v1/allocations/{allocation_id}", responses=NOT_MODIFIED)
async def get_allocation(allocation: ReadableAllocation) -> AllocationPublic:
    """Read one allocation."""
    return AllocationPublic.model_validate(allocation)


@router.patch("/v1/allocations/{allocation_id}", responses=problem_responses(409))
async def update_allocation(
    session: SessionDep,
    caller: ProjectsWriter,
    allocation: AllocationToChange,
    body: AllocationUpdate,
) -> AllocationPublic:
    """Change an allocation (JSON merge patch)."""
    allocation = await service.update_allocation(session, caller, allocation, body)
    return AllocationPublic.model_validate(allocation)


@router.delete(
    "/v1/allocations/{allocation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_allocation(session: SessionDep, allocation: AllocationToChange) -> None:
    """Take a member off a project for that range."""
    await service.delete_allocation(session, allocation)


@router.get("/v1/allocation-conflicts")
async def list_allocation_conflicts(
    session: SessionDep,
    caller: ProjectsReader,
    from_date: Annotated[CalendarDate, Query(alias="from", description="First day of the window.")],
    to_date: Annotated[
        CalendarDate,
        Query(alias="to", description="Last day of the window; at most 366 days in all."),
    ],
    member_id: Annotated[UUID | None, Query(description="Only this member.")] = None,
) -> AllocationConflicts:
    """List every member's over-allocated days (over 100%) in a window, with their causes."""
    return await conflicts.find_conflicts(session, caller, from_date, to_date, member_id)
