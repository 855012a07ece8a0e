"""`/v1/api-keys`: the keys programs call us with (scope `admin`)."""

from typing import Annotated
from uuid import UUID

from fastapi import status

from app.api_keys import service
from app.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPage
from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.core.pagination import PageDep
from app.core.routing import api_router

Admin = Annotated[Caller, requires(Scope.admin)]

router = api_router("api-keys", prefix="/v1/api-keys")


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(session: SessionDep, caller: Admin, body: ApiKeyCreate) -> ApiKeyCreated:
    """Issue a key; its secret is in this response only.

    No Idempotency-Key here: replaying would mean storing the secret.
    """
    api_key, secret = await service.issue_key(
        session, caller.organization_id, body.name, body.scopes, body.expires_at
    )
    return ApiKeyCreated.model_validate({**api_key.model_dump(), "key": secret})


@router.get("")
async def list_api_keys(session: SessionDep, caller: Admin, page: PageDep) -> ApiKeyPage:
    """List the organization's keys, revoked ones included."""
    return page.page(await service.list_keys(session, caller, page), ApiKeyPage)


@router.delete("/{api_key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(session: SessionDep, caller: Admin, api_key_id: UUID) -> None:
    """Revoke a key: it stops working at once."""
    await service.revoke_key(session, caller, api_key_id)
