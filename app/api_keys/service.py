"""API keys: issued, listed and revoked by an organization's admins."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import DISPLAY_PREFIX_LENGTH, Caller, Scope, generate_key, hash_key
from app.core.errors import InvalidInput, NotFound
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_select
from app.models import ApiKey
from app.models.base import utcnow


class ApiKeyNotFound(NotFound):
    subject = "API key"


async def issue_key(
    session: AsyncSession,
    organization_id: UUID,
    name: str,
    scopes: Iterable[Scope],
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its secret; the secret is not stored, only its hash."""
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput("expires_at must be in the future.")
    secret = generate_key()
    api_key = ApiKey(
        organization_id=organization_id,
        name=name,
        display_prefix=secret[:DISPLAY_PREFIX_LENGTH],
        key_hash=hash_key(secret),
        scopes=sorted({scope.value for scope in scopes}),
        expires_at=expires_at,
    )
    session.add(api_key)
    await session.flush()
    return api_key, secret


async def list_keys(session: AsyncSession, caller: Caller, page: PageParams) -> Sequence[ApiKey]:
    return (await session.exec(page.keyset(owned_select(ApiKey, caller), ApiKey.id))).all()


async def revoke_key(session: AsyncSession, caller: Caller, api_key_id: UUID) -> None:
    """Revoked keys stay listed (with `revoked_at`) so that audits can tell who had access."""
    api_key = await get_owned(session, caller, ApiKey, api_key_id, ApiKeyNotFound)
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
        await session.flush()
