"""Load a change request of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.change_requests import service
from app.core.deps import SessionDep
from app.models import ChangeRequest
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable(
    session: SessionDep, caller: ProjectsReader, change_request_id: UUID
) -> ChangeRequest:
    return await service.get_change_request(session, caller, change_request_id)


async def _writable(
    session: SessionDep, caller: ProjectsWriter, change_request_id: UUID
) -> ChangeRequest:
    return await service.get_change_request(session, caller, change_request_id)


ReadableChangeRequest = Annotated[ChangeRequest, Depends(_readable)]
WritableChangeRequest = Annotated[ChangeRequest, Depends(_writable)]
