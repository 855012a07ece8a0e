"""`/v1/members`: the people of the organization."""

from typing import Annotated

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.moments import UpdatedSince
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.members import service
from app.members.deps import MembersReader, MembersWriter, MemberToChange, ReadableMember
from app.members.schemas import MemberCreate, MemberPage, MemberPublic, MemberUpdate
from app.models import MemberRole

SyncPages = Annotated[SyncPageParams, sync_pages("members", deletions=True)]

router = api_router("members", prefix="/v1/members")


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
async def create_member(
    session: SessionDep,
    caller: MembersWriter,
    _: IdempotencyDep,
    body: MemberCreate,
) -> MemberPublic:
    """Add a person to the organization."""
    member = await service.create_member(session, caller, body)
    return MemberPublic.model_validate(member)


@router.get("")
async def list_members(
    session: SessionDep,
    caller: MembersReader,
    page: SyncPages,
    role: MemberRole | None = None,
    updated_since: UpdatedSince = None,
) -> MemberPage:
    """List the organization's members, oldest first."""
    rows = await service.list_members(session, caller, page, role=role, updated_since=updated_since)
    return page.page(rows, MemberPage)


@router.get("/{member_id}", responses=NOT_MODIFIED)
async def get_member(member: ReadableMember) -> MemberPublic:
    """Read one member."""
    return MemberPublic.model_validate(member)


@router.patch("/{member_id}", responses=problem_responses(409))
async def update_member(
    session: SessionDep, member: MemberToChange, body: MemberUpdate
) -> MemberPublic:
    """Change a member (JSON merge patch)."""
    member = await service.update_member(session, member, body)
    return MemberPublic.model_validate(member)


@router.delete(
    "/{member_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(409)
)
async def delete_member(session: SessionDep, member: MemberToChange) -> None:
    """Remove a member who is on no project."""
    await service.delete_member(session, member)
