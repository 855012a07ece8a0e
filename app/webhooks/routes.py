"""Webhook endpoints, their deliveries and attempts (scopes `webhooks:read` / `webhooks:write`)."""

from typing import Annotated

from fastapi import status

from app.core.deps import SessionDep, SettingsDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED, CacheCheckDep
from app.core.idempotency import IdempotencyDep
from app.core.moments import UpdatedSince
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.models import DeliveryStatus
from app.webhooks import deliveries, service
from app.webhooks.deps import (
    CheckedEndpointUpdate,
    EndpointToChange,
    ReadableDelivery,
    ReadableEndpoint,
    SubscriptionToChange,
    WebhooksReader,
    WebhooksSubscriber,
    WebhooksWriter,
    WritableDelivery,
    WritableEndpoint,
)
from app.webhooks.schemas import (
    DeliveriesRecovered,
    DeliveryRecovery,
    SecretRotation,
    WebhookAttemptPage,
    WebhookDeliveryPage,
    WebhookDeliveryPublic,
    WebhookEndpointCreate,
    WebhookEndpointPage,
    WebhookEndpointPublic,
    WebhookEndpointWithSecret,
    WebhookTestSent,
)

SyncPages = Annotated[SyncPageParams, sync_pages("webhook_endpoints", deletions=True)]

router = api_router("webhooks")

ENDPOINTS = "/v1/webhook-endpoints"
ENDPOINT = ENDPOINTS + "/{webhook_endpoint_id}"
DELIVERY = "/v1/webhook-deliveries/{webhook_delivery_id}"


@router.post(ENDPOINTS, status_code=status.HTTP_201_CREATED)
async def create_webhook_endpoint(
    session: SessionDep,
    caller: WebhooksSubscriber,
    settings: SettingsDep,
    body: WebhookEndpointCreate,
) -> WebhookEndpointWithSecret:
    """Register an endpoint; its signing secret is in this response only.

    No Idempotency-Key here: replaying would mean storing the secret.
    """
    endpoint, secret = await service.create_endpoint(session, caller, body, settings)
    return WebhookEndpointWithSecret.model_validate({**endpoint.model_dump(), "secret": secret})


@router.get(ENDPOINTS)
async def list_webhook_endpoints(
    session: SessionDep,
    caller: WebhooksReader,
    page: SyncPages,
    enabled: bool | None = None,
    updated_since: UpdatedSince = None,
) -> WebhookEndpointPage:
    """List the organization's webhook endpoints, oldest first."""
    rows = await service.list_endpoints(
        session, caller, page, enabled=enabled, updated_since=updated_since
    )
    return page.page(rows, WebhookEndpointPage)


@router.get(ENDPOINT, responses=NOT_MODIFIED)
async def get_webhook_endpoint(
    endpoint: ReadableEndpoint, cache: CacheCheckDep
) -> WebhookEndpointPublic:
    """Read one webhook endpoint (never its secret)."""
    return WebhookEndpointPublic.model_validate(endpoint)


@router.patch(ENDPOINT)
async def update_webhook_endpoint(
    session: SessionDep,
    body: CheckedEndpointUpdate,
    endpoint: SubscriptionToChange,
) -> WebhookEndpointPublic:
    """Change an endpoint (JSON merge patch): URL, types, or enable/disable it."""
    endpoint = await service.update_endpoint(session, endpoint, body)
    return WebhookEndpointPublic.model_validate(endpoint)


@router.delete(ENDPOINT, status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook_endpoint(session: SessionDep, endpoint: EndpointToChange) -> None:
    """Delete an endpoint with its deliveries and attempts."""
    await service.delete_endpoint(session, endpoint)


@router.post(ENDPOINT + "/rotate-secret")
async def rotate_webhook_secret(
    session: SessionDep,
    endpoint: EndpointToChange,
    settings: SettingsDep,
    body: SecretRotation = SecretRotation(),
) -> WebhookEndpointWithSecret:
    """Replace the signing secret; the new one is in this response only.

    The replaced secret keeps signing (alongside) for the grace period. No Idempotency-Key here:
    replaying would mean storing the secret.
    """
    secret = await service.rotate_secret(session, endpoint, body.grace_period_seconds, settings)
    return WebhookEndpointWithSecret.model_validate({**endpoint.model_dump(), "secret": secret})


@router.post(
    ENDPOINT + "/test", status_code=status.HTTP_202_ACCEPTED, responses=problem_responses(409)
)
async def send_webhook_test(
    session: SessionDep, caller: WebhooksWriter, _: IdempotencyDep, endpoint: WritableEndpoint
) -> WebhookTestSent:
    """Queue a `webhook.test` event for this endpoint alone (409 if it is disabled)."""
    event, delivery_id = await service.send_test(session, endpoint)
    return WebhookTestSent(event_id=event.id, delivery_id=delivery_id)


@router.get(ENDPOINT + "/deliveries")
async def list_webhook_deliveries(
    session: SessionDep,
    endpoint: ReadableEndpoint,
    page: PageDep,
    status: DeliveryStatus | None = None,
) -> WebhookDeliveryPage:
    """List an endpoint's deliveries, oldest first."""
    rows = await deliveries.list_deliveries(session, endpoint, page, status=status)
    return page.page(rows, WebhookDeliveryPage)


@router.post(
    ENDPOINT + "/recover", status_code=status.HTTP_202_ACCEPTED, responses=problem_responses(409)
)
async def recover_webhook_deliveries(
    session: SessionDep,
    caller: WebhooksWriter,
    _: IdempotencyDep,
    endpoint: WritableEndpoint,
    body: DeliveryRecovery,
) -> DeliveriesRecovered:
    """Re-send the endpoint's failed deliveries created since a time (409 if it is disabled)."""
    recovered = await deliveries.recover_deliveries(session, endpoint, body.since)
    return DeliveriesRecovered(recovered=recovered)


@router.get(DELIVERY)
async def get_webhook_delivery(
    session: SessionDep, delivery: ReadableDelivery
) -> WebhookDeliveryPublic:
    """Read one delivery: its status, attempts made and when the next is due."""
    return await deliveries.describe(session, delivery)


@router.get(DELIVERY + "/attempts")
async def list_webhook_attempts(
    session: SessionDep, delivery: ReadableDelivery, page: PageDep
) -> WebhookAttemptPage:
    """List a delivery's attempts, oldest first: status code, duration, error, response start."""
    rows = await deliveries.list_attempts(session, delivery, page)
    return page.page(rows, WebhookAttemptPage)


@router.post(
    DELIVERY + "/retry", status_code=status.HTTP_202_ACCEPTED, responses=problem_responses(409)
)
async def retry_webhook_delivery(
    session: SessionDep, caller: WebhooksWriter, _: IdempotencyDep, delivery: WritableDelivery
) -> WebhookDeliveryPublic:
    """Send a delivery again now, with the same `webhook-id` (409 if its endpoint is disabled)."""
    delivery = await deliveries.retry_delivery(session, delivery)
    return await deliveries.describe(session, delivery)
