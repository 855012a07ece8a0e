"""`/v1/organization`: the caller's organization and its settings (scope `admin`)."""

from typing import Annotated

from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.core.routing import api_router
from app.organizations import service
from app.organizations.schemas import OrganizationPublic, OrganizationUpdate

Admin = Annotated[Caller, requires(Scope.admin)]

router = api_router("organization", prefix="/v1/organization")


@router.get("")
async def get_organization(session: SessionDep, caller: Admin) -> OrganizationPublic:
    """Read the organization of the calling key, with its settings."""
    return OrganizationPublic.model_validate(await service.get_organization(session, caller))


@router.patch("")
async def update_organization(
    session: SessionDep, caller: Admin, body: OrganizationUpdate
) -> OrganizationPublic:
    """Change the organization's settings (JSON merge patch): the risk alert threshold, and the
    time zone and hour at which a won deal's kickoff is proposed."""
    organization = await service.update_organization(session, caller, body)
    return OrganizationPublic.model_validate(organization)
