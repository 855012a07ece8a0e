"""API keys and scopes: who is calling, for which organization, allowed to do what.

A key reads `hk_live_<43 url-safe characters>` (256 random bits). Only its SHA-256 is stored, so
the key is looked up by hash; the first characters are kept to recognise it in a list.
"""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.deps import SessionDep, get_database
from app.core.errors import Forbidden, Unauthenticated
from app.core.ratelimit import limiter_of
from app.db import READ_METHODS, Database
from app.models import ApiKey
from app.models.base import utcnow

KEY_PREFIX = "hk_live_"
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 6


class Scope(StrEnum):
    """What a key may do. `admin` may do everything in its organization."""

    admin = "admin"
    members_read = "members:read"
    members_write = "members:write"
    customers_read = "customers:read"
    customers_write = "customers:write"
    projects_read = "projects:read"
    projects_write = "projects:write"
    events_read = "events:read"
    webhooks_read = "webhooks:read"
    webhooks_write = "webhooks:write"
    analytics_read = "analytics:read"
    deals_read = "deals:read"
    deals_write = "deals:write"
    crm_read = "crm:read"
    crm_write = "crm:write"


SCOPE_DESCRIPTIONS: dict[Scope, str] = {
    Scope.admin: "Everything in the organization, including API keys.",
    Scope.members_read: "List and read members.",
    Scope.members_write: "Create, change and delete members.",
    Scope.customers_read: "List and read customers.",
    Scope.customers_write: "Create, change and delete customers.",
    Scope.projects_read: "List and read projects.",
    Scope.projects_write: "Create, change and archive projects.",
    Scope.events_read: "Read the events feed and the event catalogue.",
    Scope.webhooks_read: "List webhook endpoints, deliveries and attempts.",
    Scope.webhooks_write: "Manage webhook endpoints and secrets; retry and recover deliveries.",
    Scope.analytics_read: "Read portfolio and member analytics across all projects.",
    Scope.deals_read: "List and read the deals CRMs pushed.",
    Scope.deals_write: "Push won deals (`POST /v1/deals`): each becomes exactly one project.",
    Scope.crm_read: "List CRM connections and the raw requests CRMs sent.",
    Scope.crm_write: "Manage CRM connections and their secrets.",
}


@dataclass(frozen=True, slots=True)
class Caller:
    """The organization a request acts for, and what its key allows.

    `api_key_id` is None when no key acts: a CRM's push, verified by its connection's secret.
    """

    organization_id: UUID
    api_key_id: UUID | None
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return Scope.admin in self.scopes or scope in self.scopes


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer hk_live_…`. Each operation lists the "
    "scopes it needs; a key with `admin` has them all.",
)


@dataclass(frozen=True)
class KeyRecord:
    """What a request needs of its API key: read as plain columns, not as an ORM object, since
    every request pays for it."""

    id: UUID
    organization_id: UUID
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


_KEY_COLUMNS = (
    ApiKey.id,
    ApiKey.organization_id,
    ApiKey.scopes,
    ApiKey.expires_at,
    ApiKey.revoked_at,
    ApiKey.last_used_at,
)


def our_key(credentials: str | None) -> str | None:
    """The bearer credentials when they are one of our keys; None asks the client for one."""
    return credentials if credentials is not None and credentials.startswith(KEY_PREFIX) else None


def bearer_key(authorization: str | None) -> str | None:
    """`our_key` of an `Authorization` header, read as `bearer` reads it: for a layer in front
    of the routes (app/fastpath/), which has the header but not the dependency."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    return our_key(credentials) if scheme.lower() == "bearer" else None


def usable(key: KeyRecord | None, now: datetime) -> KeyRecord:
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("The API key is unknown or revoked.")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthenticated("The API key has expired.")
    return key


async def _find_usable_key(session: AsyncSession, key: str, now: datetime) -> KeyRecord:
    statement = select(*_KEY_COLUMNS).where(ApiKey.key_hash == hash_key(key))  # type: ignore[call-overload]
    found = (await session.exec(statement)).first()
    return usable(KeyRecord(*found) if found is not None else None, now)


async def _lookup(request: Request, session: AsyncSession, key: str) -> KeyRecord:
    """Find the key and record its use.

    A read request looks the key up in its own (read) transaction. A write request does it in a
    short transaction of its own, before its real one begins: on SQLite the write transaction
    takes the database's write lock, and the Idempotency-Key claim must commit before that.
    """
    database = get_database(request)
    now = utcnow()
    if request.method in READ_METHODS:
        api_key = await _find_usable_key(session, key, now)
    else:
        async with database.transaction(write=False) as own_session:
            api_key = await _find_usable_key(own_session, key, now)
    await record_use(database, api_key.id, api_key.last_used_at, now)
    return api_key


_TOUCHING: set[UUID] = set()  # keys whose `last_used_at` a request of this process is writing


async def record_use(
    database: Database, key_id: UUID, last_used_at: datetime | None, now: datetime
) -> None:
    """Write the key's `last_used_at`, at most once per `api_key_touch_seconds`.

    One request per key and process writes the touch; the others go on. A read request holds a
    pooled connection while the touch takes a second one: were every concurrent request of a
    busy key to touch at once, they would drain the pool and wait on each other until the
    pool's timeout.
    """
    every = timedelta(seconds=database.settings.api_key_touch_seconds)
    stale = last_used_at is None or now - last_used_at >= every
    if not stale or key_id in _TOUCHING:
        return
    _TOUCHING.add(key_id)
    try:
        async with database.transaction() as own_session:
            await own_session.exec(
                update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now)  # type: ignore[arg-type]
            )
    finally:
        _TOUCHING.discard(key_id)


async def authenticate(
    security_scopes: SecurityScopes,
    request: Request,
    response: Response,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """Resolve the bearer key to a Caller, or 401; count it against the rate limits of the key
    and of its organization, or 429; then check the operation's scopes, or 403.

    An address that failed to authenticate too often gets 429 before its key is looked up.
    """
    limiter = limiter_of(request.app.state)
    address = limiter.address_of(request.scope)
    await limiter.refuse_failing(address)
    try:
        presented = our_key(credentials.credentials if credentials is not None else None)
        if presented is None:
            raise Unauthenticated("Send an API key: `Authorization: Bearer hk_live_…`.")
        key = await _lookup(request, session, presented)
    except Unauthenticated:
        await limiter.count_failure(address)
        raise
    response.headers.update(await limiter.admit(key.id, key.organization_id))
    caller = caller_for(key, security_scopes.scopes)
    request.state.caller = caller
    return caller


def caller_for(key: KeyRecord, scopes: Iterable[str]) -> Caller:
    """The Caller a usable key acts as, when it allows every one of `scopes`; 403 otherwise."""
    caller = Caller(key.organization_id, key.id, frozenset(key.scopes))
    missing = [scope for scope in scopes if not caller.allows(scope)]
    if missing:
        raise Forbidden(f"This API key lacks the scope {', '.join(missing)}.")
    return caller


def requires(*scopes: Scope) -> Any:
    """The dependency for an operation that needs every one of `scopes`; they appear in OpenAPI
    too. Use through an alias: `MembersReader = Annotated[Caller, requires(Scope.members_read)]`,
    one alias an operation, so that its scopes are one requirement, not alternatives.
    """
    return Security(authenticate, scopes=[scope.value for scope in scopes])
