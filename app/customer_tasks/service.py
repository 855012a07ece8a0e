"""Customer tasks: what the project waits for from the customer, kept apart from our own slips.

The customer marks a task done on the share page (no account); the project manager manages them
through the API. Open tasks past their due date raise `customer_task.overdue` through the clock
and show on the status document as waiting for the customer.
"""

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, NotFound
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.core.writes import assign, locked
from app.customer_tasks.schemas import (
    MAX_CUSTOMER_TASKS_PER_PROJECT,
    CustomerTaskCreate,
    CustomerTaskUpdate,
)
from app.milestones.service import require_milestone_of
from app.models import CustomerTask, CustomerTaskStatus, Project, ShareLink
from app.models.base import utcnow
from app.projects.holds import hold_project
from app.projects.lifecycle import ensure_active
from app.projects.room import ensure_room


class CustomerTaskNotFound(NotFound):
    subject = "customer task"


class TooManyCustomerTasks(Conflict):
    slug = "too-many-customer-tasks"


async def get_task(session: AsyncSession, caller: Caller, task_id: UUID) -> CustomerTask:
    return await get_owned(session, caller, CustomerTask, task_id, CustomerTaskNotFound)


async def create_task(
    session: AsyncSession, project: Project, data: CustomerTaskCreate
) -> CustomerTask:
    """A project asks at most MAX_CUSTOMER_TASKS_PER_PROJECT things of its customer (409): the
    share page lists them all, each with its form."""
    ensure_active(project)
    await ensure_room(
        session,
        project,
        CustomerTask,
        MAX_CUSTOMER_TASKS_PER_PROJECT,
        TooManyCustomerTasks,
        "customer tasks",
    )
    await require_milestone_of(session, project, data.milestone_id)
    task = CustomerTask(
        organization_id=project.organization_id, project_id=project.id, **data.model_dump()
    )
    session.add(task)
    await session.flush()
    return task


async def list_tasks(
    session: AsyncSession, project: Project, page: PageParams
) -> Sequence[CustomerTask]:
    statement = select(CustomerTask).where(CustomerTask.project_id == project.id)
    return (await session.exec(page.keyset(statement, col(CustomerTask.id)))).all()


async def _complete(
    session: AsyncSession, task: CustomerTask, by_name: str | None, link: ShareLink | None
) -> None:
    task.status = CustomerTaskStatus.done
    task.done_at = utcnow()
    task.done_by_name = by_name
    task.done_via_share_link_id = link.id if link is not None else None
    await session.flush()
    await record_change(
        session,
        "customer_task.completed",
        task,
        {
            "title": task.title,
            "milestone_id": task.milestone_id,
            "done_at": task.done_at,
            "done_by_name": by_name,
            "share_link_id": task.done_via_share_link_id,
        },
    )


async def update_task(
    session: AsyncSession, project: Project, task: CustomerTask, data: CustomerTaskUpdate
) -> CustomerTask:
    """`done` through the API records `customer_task.completed` like the share page does;
    reopening clears who did it."""
    ensure_active(project)
    changes = data.changes()
    if "milestone_id" in changes:
        await require_milestone_of(session, project, changes["milestone_id"])
    status = changes.pop("status", task.status)
    assign(task, changes)
    if status is CustomerTaskStatus.done and task.status is CustomerTaskStatus.open:
        await _complete(session, task, None, None)
    elif status is CustomerTaskStatus.open and task.status is CustomerTaskStatus.done:
        task.status, task.done_at, task.done_by_name = status, None, None
        task.done_via_share_link_id = None
    await session.flush()
    return task


async def delete_task(session: AsyncSession, project: Project, task: CustomerTask) -> None:
    ensure_active(project)
    await session.delete(task)
    await session.flush()


async def tasks_for_customer(
    session: AsyncSession, project: Project
) -> tuple[list[CustomerTask], int]:
    """What the share page lists: the project's tasks, open ones first, by due date, no more
    than a project may hold; and how many more a project that grew before that limit has."""
    of_project = CustomerTask.project_id == project.id
    found = await session.exec(
        select(CustomerTask)
        .where(of_project)
        .order_by(
            col(CustomerTask.status) == CustomerTaskStatus.done,
            col(CustomerTask.due_date).is_(None),
            col(CustomerTask.due_date),
            col(CustomerTask.id),
        )
        .limit(MAX_CUSTOMER_TASKS_PER_PROJECT)
    )
    tasks = list(found.all())
    if len(tasks) < MAX_CUSTOMER_TASKS_PER_PROJECT:
        return tasks, 0
    count = await session.exec(select(func.count()).select_from(CustomerTask).where(of_project))
    return tasks, count.one() - len(tasks)


async def done_from_link(
    session: AsyncSession, link: ShareLink, project: Project, task_id: UUID, name: str | None
) -> None:
    """The customer marked a task done on the share page: only a task of the link's own project
    (else not found), once (a second time changes nothing)."""
    await hold_project(session, project.id)  # the project before its task, read again
    ensure_active(project)
    found = await session.exec(
        locked(  # marks sent at once take turns: the second finds it done
            select(CustomerTask).where(
                CustomerTask.id == task_id,
                CustomerTask.project_id == link.project_id,
                CustomerTask.organization_id == link.organization_id,
            )
        )
    )
    task = found.first()
    if task is None:
        raise CustomerTaskNotFound
    if task.status is CustomerTaskStatus.done:
        return
    await _complete(session, task, name, link)


async def overdue_tasks(session: AsyncSession, project_id: UUID, on: date) -> list[CustomerTask]:
    """Open tasks past their due date: what the project waits for from the customer."""
    found = await session.exec(
        select(CustomerTask)
        .where(
            CustomerTask.project_id == project_id,
            CustomerTask.status == CustomerTaskStatus.open,
            col(CustomerTask.due_date) < on,
        )
        .order_by(col(CustomerTask.due_date), col(CustomerTask.id))
    )
    return list(found.all())
