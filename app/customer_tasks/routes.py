"""Customer tasks: `/v1/projects/{project_id}/customer-tasks` and `/v1/customer-tasks/{id}`."""

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.customer_tasks import service
from app.customer_tasks.deps import CustomerTaskToChange, ReadableCustomerTask
from app.customer_tasks.schemas import (
    CustomerTaskCreate,
    CustomerTaskPage,
    CustomerTaskPublic,
    CustomerTaskUpdate,
)
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject
from app.projects.service import get_project_to_change

router = api_router("customer-tasks")


@router.post(
    "/v1/projects/{project_id}/customer-tasks",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_customer_task(
    session: SessionDep,
    _caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: CustomerTaskCreate,
) -> CustomerTaskPublic:
    """Give the customer a task; they see it on the share page and mark it done there."""
    task = await service.create_task(session, project, body)
    return CustomerTaskPublic.model_validate(task)


@router.get("/v1/projects/{project_id}/customer-tasks")
async def list_customer_tasks(
    session: SessionDep, project: ReadableProject, page: PageDep
) -> CustomerTaskPage:
    """List the project's customer tasks, oldest first."""
    return page.page(await service.list_tasks(session, project, page), CustomerTaskPage)


@router.get("/v1/customer-tasks/{customer_task_id}", responses=NOT_MODIFIED)
async def get_customer_task(task: ReadableCustomerTask) -> CustomerTaskPublic:
    """Read one customer task."""
    return CustomerTaskPublic.model_validate(task)


@router.patch("/v1/customer-tasks/{customer_task_id}", responses=problem_responses(409))
async def update_customer_task(
    session: SessionDep,
    caller: ProjectsWriter,
    task: CustomerTaskToChange,
    body: CustomerTaskUpdate,
) -> CustomerTaskPublic:
    """Change a customer task; `status: done` records `customer_task.completed`."""
    project = await get_project_to_change(session, caller, task.project_id)
    task = await service.update_task(session, project, task, body)
    return CustomerTaskPublic.model_validate(task)


@router.delete(
    "/v1/customer-tasks/{customer_task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_customer_task(
    session: SessionDep,
    caller: ProjectsWriter,
    task: CustomerTaskToChange,
) -> None:
    """Remove a customer task (it leaves the share page at once)."""
    project = await get_project_to_change(session, caller, task.project_id)
    await service.delete_task(session, project, task)
