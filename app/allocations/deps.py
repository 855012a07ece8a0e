"""Load an allocation, or a member whose allocations are read, of the caller's organization, or
404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.allocations import service
from app.core.deps import SessionDep
from app.members.service import get_member
from app.models import Allocation, Member
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable_allocation(
    session: SessionDep, caller: ProjectsReader, allocation_id: UUID
) -> Allocation:
    return await service.get_allocation(session, caller, allocation_id)


async def _writable_allocation(
    session: SessionDep, caller: ProjectsWriter, allocation_id: UUID
) -> Allocation:
    return await service.get_allocation(session, caller, allocation_id)


async def _allocated_member(session: SessionDep, caller: ProjectsReader, member_id: UUID) -> Member:
    """Whose allocations are read: project data, so `projects:read` is the scope."""
    return await get_member(session, caller, member_id)


ReadableAllocation = Annotated[Allocation, Depends(_readable_allocation)]
WritableAllocation = Annotated[Allocation, Depends(_writable_allocation)]
AllocatedMember = Annotated[Member, Depends(_allocated_member)]
