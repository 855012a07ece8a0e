"""Helpers for the webhooks API tests: endpoints through the API, deliveries in the database."""

from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select

from app.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import Tenant

# A global address literal: registrable with the default (closed) settings, and no DNS lookup.
PUBLIC_URL = "https://93.184.216.34/hooks"
ENDPOINTS = "/v1/webhook-endpoints"


async def make_endpoint(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    response = await tenant.post(ENDPOINTS, json={"url": PUBLIC_URL, **overrides})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def stored_endpoint(tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
    async with tenant.database.transaction(write=False) as session:
        endpoint = await session.get(WebhookEndpoint, UUID(endpoint_id))
    assert endpoint is not None
    return endpoint


async def stored_endpoints(tenant: Tenant) -> list[WebhookEndpoint]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(WebhookEndpoint).where(WebhookEndpoint.organization_id == tenant.organization_id)
        )
        return list(rows)


async def deliveries_of(tenant: Tenant, endpoint_id: str) -> list[tuple[WebhookDelivery, str]]:
    """The endpoint's deliveries in order, each with its event's type."""
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(WebhookDelivery, Event.type)
            .join(Event, col(Event.id) == WebhookDelivery.event_id)
            .where(WebhookDelivery.endpoint_id == UUID(endpoint_id))
            .order_by(col(WebhookDelivery.id))
        )
        return list(rows.all())


async def stored_delivery(tenant: Tenant, delivery_id: str) -> WebhookDelivery:
    async with tenant.database.transaction(write=False) as session:
        delivery = await session.get(WebhookDelivery, UUID(delivery_id))
    assert delivery is not None
    return delivery


async def set_delivery(tenant: Tenant, delivery_id: UUID | str, **values: Any) -> None:
    """Put a delivery in a state, as the dispatcher would have left it."""
    async with tenant.database.transaction() as session:
        await session.exec(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == UUID(str(delivery_id)))
            .values(**values)
        )


async def set_endpoint(tenant: Tenant, endpoint_id: str, **values: Any) -> None:
    async with tenant.database.transaction() as session:
        await session.exec(
            update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == UUID(endpoint_id))
            .values(**values)
        )


async def add_attempt(tenant: Tenant, delivery_id: UUID | str, **values: Any) -> None:
    async with tenant.database.transaction() as session:
        session.add(
            WebhookAttempt(
                organization_id=tenant.organization_id,
                delivery_id=UUID(str(delivery_id)),
                **{"duration_ms": 12, **values},
            )
        )


async def queue_test_delivery(tenant: Tenant, endpoint_id: str) -> str:
    """A delivery made by `POST …/test`; its id."""
    response = await tenant.post(f"{ENDPOINTS}/{endpoint_id}/test")
    assert response.status_code == 202, response.text
    return str(response.json()["delivery_id"])
