"""Load a webhook endpoint or delivery of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.deps import SettingsDep
from app.core.path_rows import path_row
from app.models import WebhookDelivery, WebhookEndpoint
from app.webhooks import service
from app.webhooks.deliveries import get_delivery
from app.webhooks.schemas import WebhookEndpointUpdate

WebhooksReader = Annotated[Caller, requires(Scope.webhooks_read)]
WebhooksWriter = Annotated[Caller, requires(Scope.webhooks_write)]
# An endpoint receives every event of its types, data and all: what the events feed shows. So
# creating or changing one (its URL, its types) needs `events:read` too; `webhooks:write` alone
# would let a key point a receiver of its own at deals, members and customers it cannot read.
WebhooksSubscriber = Annotated[Caller, requires(Scope.webhooks_write, Scope.events_read)]


async def _checked_update(
    caller: WebhooksSubscriber, settings: SettingsDep, body: WebhookEndpointUpdate
) -> WebhookEndpointUpdate:
    """The PATCH body, its new URL checked (DNS included) before the request's transaction
    starts: a lookup never runs while the database is locked."""
    if body.url is not None:
        await service.check_url(body.url, settings)
    return body


CheckedEndpointUpdate = Annotated[WebhookEndpointUpdate, Depends(_checked_update)]
ReadableEndpoint = Annotated[
    WebhookEndpoint, Depends(path_row(service.get_endpoint, "webhook_endpoint_id", WebhooksReader))
]
WritableEndpoint = Annotated[
    WebhookEndpoint, Depends(path_row(service.get_endpoint, "webhook_endpoint_id", WebhooksWriter))
]
EndpointToChange = Annotated[
    WebhookEndpoint,
    Depends(path_row(service.get_endpoint, "webhook_endpoint_id", WebhooksWriter, if_match=True)),
]
SubscriptionToChange = Annotated[
    WebhookEndpoint,
    Depends(
        path_row(service.get_endpoint, "webhook_endpoint_id", WebhooksSubscriber, if_match=True)
    ),
]
ReadableDelivery = Annotated[
    WebhookDelivery, Depends(path_row(get_delivery, "webhook_delivery_id", WebhooksReader))
]
WritableDelivery = Annotated[
    WebhookDelivery, Depends(path_row(get_delivery, "webhook_delivery_id", WebhooksWriter))
]
