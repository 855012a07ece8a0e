"""Load a webhook endpoint or delivery of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep, SettingsDep
from app.models import WebhookDelivery, WebhookEndpoint
from app.webhooks import deliveries, service
from app.webhooks.schemas import WebhookEndpointUpdate

WebhooksReader = Annotated[Caller, requires(Scope.webhooks_read)]
WebhooksWriter = Annotated[Caller, requires(Scope.webhooks_write)]


async def _readable_endpoint(
    session: SessionDep, caller: WebhooksReader, webhook_endpoint_id: UUID
) -> WebhookEndpoint:
    return await service.get_endpoint(session, caller, webhook_endpoint_id)


async def _writable_endpoint(
    session: SessionDep, caller: WebhooksWriter, webhook_endpoint_id: UUID
) -> WebhookEndpoint:
    return await service.get_endpoint(session, caller, webhook_endpoint_id)


async def _readable_delivery(
    session: SessionDep, caller: WebhooksReader, webhook_delivery_id: UUID
) -> WebhookDelivery:
    return await deliveries.get_delivery(session, caller, webhook_delivery_id)


async def _writable_delivery(
    session: SessionDep, caller: WebhooksWriter, webhook_delivery_id: UUID
) -> WebhookDelivery:
    return await deliveries.get_delivery(session, caller, webhook_delivery_id)


async def _checked_update(
    caller: WebhooksWriter, settings: SettingsDep, body: WebhookEndpointUpdate
) -> WebhookEndpointUpdate:
    """The PATCH body, its new URL checked (DNS included) before the request's transaction
    starts: a lookup never runs while the database is locked."""
    if body.url is not None:
        await service.check_url(body.url, settings)
    return body


CheckedEndpointUpdate = Annotated[WebhookEndpointUpdate, Depends(_checked_update)]
ReadableEndpoint = Annotated[WebhookEndpoint, Depends(_readable_endpoint)]
WritableEndpoint = Annotated[WebhookEndpoint, Depends(_writable_endpoint)]
ReadableDelivery = Annotated[WebhookDelivery, Depends(_readable_delivery)]
WritableDelivery = Annotated[WebhookDelivery, Depends(_writable_delivery)]
