"""Load a member of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.members import service
from app.models import Member

MembersReader = Annotated[Caller, requires(Scope.members_read)]
MembersWriter = Annotated[Caller, requires(Scope.members_write)]


async def _readable_member(session: SessionDep, caller: MembersReader, member_id: UUID) -> Member:
    return await service.get_member(session, caller, member_id)


async def _writable_member(session: SessionDep, caller: MembersWriter, member_id: UUID) -> Member:
    return await service.get_member(session, caller, member_id)


ReadableMember = Annotated[Member, Depends(_readable_member)]
WritableMember = Annotated[Member, Depends(_writable_member)]
