"""The outbox's fan-out reads the organization's endpoints once per transaction, and again as
soon as the transaction writes an endpoint."""

import uuid

from sqlmodel import select

from app.core.outbox import record_event
from app.db import Database
from app.models import WebhookDelivery, WebhookEndpoint
from tests.factories import Tenant
from tests.statements import count_statements


def _endpoint(tenant: Tenant, **fields: object) -> WebhookEndpoint:
    return WebhookEndpoint(
        organization_id=tenant.organization_id,
        url="https://hooks.example.com/handover",
        secret_encrypted=b"sealed",
        **fields,
    )


async def _event(session: object, tenant: Tenant, type: str = "risk.created") -> uuid.UUID:
    event = await record_event(
        session,  # type: ignore[arg-type]
        organization_id=tenant.organization_id,
        type=type,
        aggregate_type="risk",
        aggregate_id=uuid.uuid4(),
        data={},
    )
    return event.id


async def test_events_of_one_transaction_read_the_endpoints_once(
    tenant: Tenant, database: Database
) -> None:
    async with database.transaction() as session:
        session.add(_endpoint(tenant))
        await session.flush()
        with count_statements(database) as statements:
            events = [await _event(session, tenant) for _ in range(5)]
            await session.flush()
        reads = [s for s in statements if "FROM webhook_endpoints" in s]
        assert len(reads) == 1
        deliveries = (
            await session.exec(
                select(WebhookDelivery.event_id).where(
                    WebhookDelivery.event_id.in_(events)  # type: ignore[attr-defined]
                )
            )
        ).all()
        assert sorted(deliveries) == sorted(events)


async def test_an_endpoint_written_in_the_transaction_is_seen_by_its_next_event(
    tenant: Tenant, database: Database
) -> None:
    async with database.transaction() as session:
        before = await _event(session, tenant)  # no endpoint yet: no delivery
        endpoint = _endpoint(tenant, event_types=["risk.created"])
        session.add(endpoint)
        await session.flush()
        taken = await _event(session, tenant)
        endpoint.enabled = False
        await session.flush()
        after_disabling = await _event(session, tenant)
        found = await session.exec(
            select(WebhookDelivery.event_id).where(
                WebhookDelivery.endpoint_id == endpoint.id  # type: ignore[arg-type]
            )
        )
        assert found.all() == [taken]
        assert before != after_disabling
