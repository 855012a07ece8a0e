"""Load a customer task of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.customer_tasks import service
from app.models import CustomerTask
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable(
    session: SessionDep, caller: ProjectsReader, customer_task_id: UUID
) -> CustomerTask:
    return await service.get_task(session, caller, customer_task_id)


async def _writable(
    session: SessionDep, caller: ProjectsWriter, customer_task_id: UUID
) -> CustomerTask:
    return await service.get_task(session, caller, customer_task_id)


ReadableCustomerTask = Annotated[CustomerTask, Depends(_readable)]
WritableCustomerTask = Annotated[CustomerTask, Depends(_writable)]
