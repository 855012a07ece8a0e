"""Load a share link of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.models import ShareLink
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.share import service


async def _readable(session: SessionDep, caller: ProjectsReader, share_link_id: UUID) -> ShareLink:
    return await service.get_link(session, caller, share_link_id)


async def _writable(session: SessionDep, caller: ProjectsWriter, share_link_id: UUID) -> ShareLink:
    return await service.get_link(session, caller, share_link_id)


ReadableShareLink = Annotated[ShareLink, Depends(_readable)]
WritableShareLink = Annotated[ShareLink, Depends(_writable)]
