"""The caller's organization and its alert settings."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.alerts.schemas import OrganizationUpdate
from app.core.auth import Caller
from app.models import Organization


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
    for field, value in data.changes().items():
        setattr(organization, field, value)
    await session.flush()
    return organization
