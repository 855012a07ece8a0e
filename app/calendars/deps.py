"""The member whose calendar is asked for: a member of the caller's organization, or 404.

A member's feed shows project data (the milestones they own), so it takes the projects scopes,
not the members ones.
"""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.members.service import get_member
from app.models import Member
from app.projects.deps import ProjectsReader, ProjectsWriter


async def _readable(session: SessionDep, caller: ProjectsReader, member_id: UUID) -> Member:
    return await get_member(session, caller, member_id)


async def _writable(session: SessionDep, caller: ProjectsWriter, member_id: UUID) -> Member:
    return await get_member(session, caller, member_id)


CalendarMember = Annotated[Member, Depends(_readable)]
CalendarMemberToManage = Annotated[Member, Depends(_writable)]
