"""Organizations: the tenants, created from the command line; each reads and changes its own
settings over the API (`/v1/organization`)."""

from contextlib import suppress
from uuid import UUID

from sqlmodel import or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, NotFound
from app.core.writes import assign, flush_or
from app.models import Organization
from app.organizations.schemas import OrganizationUpdate

DEFAULT_ORGANIZATION = "default"


class OrganizationExists(Conflict):
    slug = "organization-exists"


class OrganizationNotFound(NotFound):
    pass


async def create_organization(session: AsyncSession, name: str) -> Organization:
    organization = Organization(name=name)
    session.add(organization)
    await flush_or(session, OrganizationExists(f"An organization named {name!r} already exists."))
    return organization


async def find_organization(session: AsyncSession, name_or_id: str) -> Organization:
    """By id or by name (names are unique)."""
    condition = Organization.name == name_or_id
    with suppress(ValueError):
        condition = or_(condition, Organization.id == UUID(name_or_id))  # type: ignore[assignment]
    organization = (await session.exec(select(Organization).where(condition))).first()
    if organization is None:
        raise OrganizationNotFound(f"No organization {name_or_id!r}.")
    return organization


async def has_organizations(session: AsyncSession) -> bool:
    return (await session.exec(select(Organization.id).limit(1))).first() is not None


async def get_organization(session: AsyncSession, caller: Caller) -> Organization:
    organization = await session.get(Organization, caller.organization_id)
    assert organization is not None  # a key's organization exists (foreign key, cascade)
    return organization


async def update_organization(
    session: AsyncSession, caller: Caller, data: OrganizationUpdate
) -> Organization:
    """Change the settings. A new alert threshold re-evaluates no risk by itself: each risk
    is checked against it on its next save (a crossing then alerts once)."""
    organization = await get_organization(session, caller)
    assign(organization, data.changes())
    await session.flush()
    return organization
