"""Members: the people who sell, plan and deliver."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_by, owned_select
from app.core.writes import assign, flush_or, referenced
from app.members.schemas import MemberCreate, MemberUpdate
from app.models import Member, MemberRole


class MemberNotFound(NotFound):
    subject = "member"


class EmailTaken(Conflict):
    slug = "email-taken"


class MemberInUse(Conflict):
    slug = "member-in-use"


async def get_member(session: AsyncSession, caller: Caller, member_id: UUID) -> Member:
    return await get_owned(session, caller, Member, member_id, MemberNotFound)


async def list_members(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    role: MemberRole | None = None,
    updated_since: datetime | None = None,
) -> Sequence[Member]:
    statement = where_given(
        owned_select(Member, caller),
        {Member.role: role},
        at_least={Member.updated_at: updated_since},
    )
    return (await session.exec(page.keyset(statement, Member.id))).all()


async def _flush_unique_email(session: AsyncSession, email: str) -> None:
    """Flush, turning the (organization, email) unique constraint into a 409."""
    await flush_or(session, EmailTaken(f"A member with the email {email} already exists."))


async def create_member(session: AsyncSession, caller: Caller, data: MemberCreate) -> Member:
    """Emails are compared case-insensitively: they are stored lower-cased."""
    member = Member(
        organization_id=caller.organization_id,
        **data.model_dump(exclude={"email"}),
        email=data.email.lower(),
    )
    session.add(member)
    await _flush_unique_email(session, member.email)
    return member


async def update_member(session: AsyncSession, member: Member, data: MemberUpdate) -> Member:
    changes = data.changes()
    if "email" in changes:
        changes["email"] = changes["email"].lower()
    assign(member, changes)
    await _flush_unique_email(session, member.email)
    return member


async def delete_member(session: AsyncSession, member: Member) -> None:
    """A member named on a project stays: the project's history must keep its people."""
    await session.delete(member)
    await flush_or(
        session,
        MemberInUse(
            "This member sold or manages projects (archived ones included): reassign the active "
            "ones; a member of an archived project stays on record."
        ),
    )


async def require_members(
    session: AsyncSession,
    caller: Caller,
    member_ids: dict[str, UUID | None],
    *,
    location: str = "body",
) -> None:
    """Every named member belongs to the caller's organization: else a 422 naming each field.

    `member_ids` maps a field path (e.g. `owner_id`, `assignments.2.member_id`) to an id;
    `location` is where the fields are (`body`, or `query` for a filter).
    """
    wanted = {member_id for member_id in member_ids.values() if member_id is not None}
    if not wanted:
        return
    statement = select(Member.id).where(col(Member.id).in_(wanted), owned_by(Member, caller))
    # Members named in a body are kept until the write commits; a filter only reads them.
    found = await session.exec(referenced(statement) if location == "body" else statement)
    known = set(found.all())
    problems = [
        FieldProblem(
            loc=[location, *field.split(".")],
            message="No such member in your organization.",
            type="unknown_reference",
        )
        for field, member_id in member_ids.items()
        if member_id is not None and member_id not in known
    ]
    if problems:
        raise InvalidInput("A member named here does not exist.", errors=problems)
