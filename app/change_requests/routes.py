"""Change requests: `/v1/projects/{project_id}/change-requests`,
`/v1/change-requests/{change_request_id}` (and its transitions), and the project's baseline."""

from fastapi import status

from app.change_requests import report, service
from app.change_requests.deps import ChangeRequestToChange, ReadableChangeRequest
from app.change_requests.schemas import (
    BaselineReport,
    ChangeRequestCreate,
    ChangeRequestPage,
    ChangeRequestPublic,
    ChangeRequestTransitionCreate,
    ChangeRequestUpdate,
)
from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.models import ChangeRequestStatus
from app.models.base import today
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject

router = api_router("change-requests")


@router.post(
    "/v1/projects/{project_id}/change-requests",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_change_request(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: ChangeRequestCreate,
) -> ChangeRequestPublic:
    """Write down what the customer asks for beyond the contract; it starts as a `draft`."""
    change_request = await service.create_change_request(session, caller, project, body)
    [described] = await service.describe(session, [change_request])
    return described


@router.get("/v1/projects/{project_id}/change-requests")
async def list_change_requests(
    session: SessionDep,
    project: ReadableProject,
    page: PageDep,
    status: ChangeRequestStatus | None = None,
) -> ChangeRequestPage:
    """List a project's change requests, oldest first."""
    rows = await service.list_change_requests(session, project, page, status)
    return page.page(await service.describe(session, rows), ChangeRequestPage)


@router.get("/v1/change-requests/{change_request_id}", responses=NOT_MODIFIED)
async def get_change_request(
    session: SessionDep, change_request: ReadableChangeRequest, cache: CacheCheckDep
) -> ChangeRequestPublic:
    """Read one change request with its assessment and history."""
    [described] = await service.describe(session, [change_request])
    return described


@router.patch("/v1/change-requests/{change_request_id}", responses=problem_responses(409))
async def update_change_request(
    session: SessionDep,
    caller: ProjectsWriter,
    change_request: ChangeRequestToChange,
    body: ChangeRequestUpdate,
) -> ChangeRequestPublic:
    """Reword a draft or submitted change request (JSON merge patch)."""
    change_request = await service.update_change_request(session, caller, change_request, body)
    [described] = await service.describe(session, [change_request])
    return described


@router.delete(
    "/v1/change-requests/{change_request_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_change_request(session: SessionDep, change_request: ChangeRequestToChange) -> None:
    """Delete a draft (a submitted request stays on record: reject it instead)."""
    await service.delete_change_request(session, change_request)


@router.post(
    "/v1/change-requests/{change_request_id}/transitions", responses=problem_responses(409)
)
async def transition_change_request(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    change_request: ChangeRequestToChange,
    body: ChangeRequestTransitionCreate,
) -> ChangeRequestPublic:
    """Move a change request along its workflow; approval applies it to the project."""
    change_request = await service.move_change_request(session, caller, change_request, body)
    [described] = await service.describe(session, [change_request])
    return described


@router.get("/v1/projects/{project_id}/baseline", responses=NOT_MODIFIED)
async def get_baseline(
    session: SessionDep, project: ReadableProject, cache: CacheCheckDep
) -> BaselineReport:
    """The baseline against the plan now: budget, approved change cost, and each milestone's
    slip split into change-driven and delivery-driven."""
    on = today()
    cache.respond(project.version, as_of=on)  # milestones and changes touch the project
    return await report.baseline_report(session, project, on)
