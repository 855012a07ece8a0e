"""Load a member of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.path_rows import path_row
from app.members.service import get_member
from app.models import Member

MembersReader = Annotated[Caller, requires(Scope.members_read)]
MembersWriter = Annotated[Caller, requires(Scope.members_write)]

ReadableMember = Annotated[Member, Depends(path_row(get_member, "member_id", MembersReader))]
MemberToChange = Annotated[
    Member, Depends(path_row(get_member, "member_id", MembersWriter, if_match=True))
]
