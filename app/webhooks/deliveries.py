"""Deliveries and their attempts: what was sent where, and re-sending on demand.

A re-sent delivery keeps its event id, so receivers see the same `webhook-id` and can drop a
duplicate. It gets one more attempt per request; if that fails it is `failed` again (its
retry schedule was spent).
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import NotFound
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.models import DeliveryStatus, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.webhooks.schemas import WebhookDeliveryPublic
from app.webhooks.service import require_enabled


class WebhookDeliveryNotFound(NotFound):
    subject = "webhook delivery"


def _public(delivery: WebhookDelivery, event_type: str) -> WebhookDeliveryPublic:
    return WebhookDeliveryPublic.model_validate({**delivery.model_dump(), "event_type": event_type})


async def get_delivery(session: AsyncSession, caller: Caller, delivery_id: UUID) -> WebhookDelivery:
    return await get_owned(session, caller, WebhookDelivery, delivery_id, WebhookDeliveryNotFound)


async def describe(session: AsyncSession, delivery: WebhookDelivery) -> WebhookDeliveryPublic:
    """The delivery as the API shows it (with its event's type)."""
    event_type = (await session.exec(select(Event.type).where(Event.id == delivery.event_id))).one()
    return _public(delivery, event_type)


async def list_deliveries(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    page: PageParams,
    *,
    status: DeliveryStatus | None = None,
) -> list[WebhookDeliveryPublic]:
    """The page's deliveries, then their events' types: two statements whatever the size."""
    statement = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    rows = (await session.exec(page.keyset(statement, WebhookDelivery.id))).all()
    event_ids = {delivery.event_id for delivery in rows}
    types = dict(
        (await session.exec(select(Event.id, Event.type).where(col(Event.id).in_(event_ids)))).all()
    )
    return [_public(delivery, types[delivery.event_id]) for delivery in rows]


async def list_attempts(
    session: AsyncSession, delivery: WebhookDelivery, page: PageParams
) -> Sequence[WebhookAttempt]:
    statement = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)
    return (await session.exec(page.keyset(statement, WebhookAttempt.id))).all()


async def _endpoint_of(session: AsyncSession, delivery: WebhookDelivery) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint is not None  # the foreign key cascades: a delivery has its endpoint
    return endpoint


async def retry_delivery(session: AsyncSession, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever its status (a succeeded one too).

    A lease is left alone: a dispatcher sending it right now finishes that attempt, and no
    second dispatcher may take it meanwhile (that would be a duplicate in flight).
    """
    require_enabled(await _endpoint_of(session, delivery))
    delivery.status = DeliveryStatus.pending
    delivery.next_attempt_at = utcnow()
    delivery.completed_at = None
    await session.flush()
    return delivery


async def recover_deliveries(
    session: AsyncSession, endpoint: WebhookEndpoint, since: datetime
) -> int:
    """Every `failed` delivery of the endpoint created at or after `since` is pending again,
    due now. Returns how many."""
    require_enabled(endpoint)
    result = await session.exec(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.endpoint_id) == endpoint.id,
            col(WebhookDelivery.status) == DeliveryStatus.failed,
            col(WebhookDelivery.created_at) >= since,
        )
        .values(status=DeliveryStatus.pending, next_attempt_at=utcnow(), completed_at=None)
    )
    return result.rowcount
