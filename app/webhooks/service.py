"""Webhook endpoints: where events go, which types, and the secret that signs them.

Secrets are generated here, stored encrypted, and returned once (on creation and rotation).
Endpoint changes are configuration, not domain events: none is recorded for them.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_event
from app.core.pagination import PageParams
from app.core.secrets import encrypt_secret, generate_secret
from app.core.tenancy import get_owned, owned_select
from app.models import Event, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.settings import Settings
from app.webhooks.safety import UnsafeWebhookUrl, resolve_target
from app.webhooks.schemas import WebhookEndpointCreate, WebhookEndpointUpdate

TEST_EVENT_TYPE = "webhook.test"
TEST_MESSAGE = "A test event sent from the Handover API: your endpoint is reachable."


class WebhookEndpointNotFound(NotFound):
    subject = "webhook endpoint"


class WebhookEndpointDisabled(Conflict):
    slug = "webhook-endpoint-disabled"


async def get_endpoint(session: AsyncSession, caller: Caller, endpoint_id: UUID) -> WebhookEndpoint:
    return await get_owned(session, caller, WebhookEndpoint, endpoint_id, WebhookEndpointNotFound)


async def list_endpoints(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    enabled: bool | None = None,
    updated_since: datetime | None = None,
) -> Sequence[WebhookEndpoint]:
    statement = where_given(
        owned_select(WebhookEndpoint, caller),
        {WebhookEndpoint.enabled: enabled},
        at_least={WebhookEndpoint.updated_at: updated_since},
    )
    return (await session.exec(page.keyset(statement, WebhookEndpoint.id))).all()


def require_enabled(endpoint: WebhookEndpoint) -> None:
    """Nothing is sent to a disabled endpoint, so nothing is queued for it either."""
    if not endpoint.enabled:
        raise WebhookEndpointDisabled(
            "This webhook endpoint is disabled: enable it (PATCH `enabled: true`) first."
        )


async def check_url(url: str, settings: Settings, field: str = "url") -> None:
    """`https` to public addresses only (no SSRF), and a URL httpx can send to: a 422 naming
    the body's `field` otherwise."""
    try:
        await resolve_target(url, settings)
    except UnsafeWebhookUrl as exc:
        message = exc.detail or UnsafeWebhookUrl.title
        problem = FieldProblem(loc=["body", field], message=message, type="unsafe_url")
        raise UnsafeWebhookUrl(message, errors=[problem]) from exc


def _switch(endpoint: WebhookEndpoint, changes: dict[str, Any]) -> None:
    """`enabled` and `disabled_reason` move together: a reason only for a disabled endpoint;
    re-enabling forgets why it was disabled and since when it was failing."""
    enabled = changes.get("enabled", endpoint.enabled)
    if enabled and changes.get("disabled_reason") is not None:
        raise InvalidInput(
            "Only a disabled endpoint has a reason.",
            errors=[
                FieldProblem(
                    loc=["body", "disabled_reason"],
                    message="Send it with `enabled: false`, or on a disabled endpoint.",
                    type="reason_without_disabling",
                )
            ],
        )
    if enabled and not endpoint.enabled:
        endpoint.enabled = True
        endpoint.disabled_reason = None
        endpoint.disabled_at = None
        endpoint.failing_since = None
    elif not enabled and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_at = utcnow()
        endpoint.disabled_reason = changes.get("disabled_reason")
    elif not enabled and "disabled_reason" in changes:
        endpoint.disabled_reason = changes["disabled_reason"]


async def create_endpoint(
    session: AsyncSession, caller: Caller, data: WebhookEndpointCreate, settings: Settings
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned here, stored only encrypted)."""
    endpoint = WebhookEndpoint(
        organization_id=caller.organization_id,
        url=data.url,
        description=data.description,
        event_types=data.event_types,
        secret_encrypted=b"",
    )
    _switch(endpoint, {"enabled": data.enabled, "disabled_reason": data.disabled_reason})
    await check_url(data.url, settings)
    secret = generate_secret()
    endpoint.secret_encrypted = encrypt_secret(secret, settings)
    session.add(endpoint)
    await session.flush()
    return endpoint, secret


async def update_endpoint(
    session: AsyncSession, endpoint: WebhookEndpoint, data: WebhookEndpointUpdate
) -> WebhookEndpoint:
    """The secret stays. A new URL must have passed `check_url` (see `checked_update` in
    deps.py, which runs it before the transaction, so no DNS lookup holds a database lock)."""
    changes = data.changes()
    _switch(endpoint, changes)
    for field in ("url", "description", "event_types"):
        if field in changes:
            setattr(endpoint, field, changes[field])
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    """Its deliveries and their attempts go with it (foreign keys cascade)."""
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, endpoint: WebhookEndpoint, grace_period_seconds: int, settings: Settings
) -> str:
    """A new secret; the replaced one keeps signing (alongside) for the grace period, so
    receivers can switch without dropping a delivery. Only one previous secret is kept."""
    secret = generate_secret()
    if grace_period_seconds > 0:
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = utcnow() + timedelta(seconds=grace_period_seconds)
    else:
        endpoint.previous_secret_encrypted = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret_encrypted = encrypt_secret(secret, settings)
    await session.flush()
    return secret


async def send_test(session: AsyncSession, endpoint: WebhookEndpoint) -> tuple[Event, UUID]:
    """Queue a `webhook.test` event for this endpoint alone; the dispatcher sends it.

    Returns the event and the id of its one delivery.
    """
    require_enabled(endpoint)
    event = await record_event(
        session,
        organization_id=endpoint.organization_id,
        type=TEST_EVENT_TYPE,
        aggregate_type="webhook_endpoint",
        aggregate_id=endpoint.id,
        aggregate_version=endpoint.version,
        data={"message": TEST_MESSAGE},
        only_endpoint_id=endpoint.id,
    )
    await session.flush()
    delivery_id = (
        await session.exec(
            select(WebhookDelivery.id).where(
                WebhookDelivery.event_id == event.id, WebhookDelivery.endpoint_id == endpoint.id
            )
        )
    ).one()
    return event, delivery_id
