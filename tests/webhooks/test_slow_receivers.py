"""A slow receiver cannot hold an attempt past the webhook timeout."""

import time
from collections.abc import Iterator
from uuid import UUID

import pytest
from sqlmodel import col, select

from app.db import Database
from app.models import DeliveryStatus, WebhookAttempt
from app.webhooks import dispatcher
from tests.conftest import settings_for
from tests.factories import Tenant
from tests.webhooks.receiver import Receiver, running_receiver
from tests.webhooks.test_dispatch import _deliveries, _endpoint


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def _worker(database_url: str, **overrides: object) -> Database:
    """One dispatcher's view: its own engine, local receivers allowed, retries without wait."""
    return Database(
        settings_for(
            database_url,
            webhook_allow_http=True,
            webhook_allowed_cidrs="127.0.0.0/8",
            webhook_allow_public=False,
            webhook_retry_schedule="0,0,0",
            **overrides,
        )
    )


async def _attempts(database: Database, delivery_id: UUID) -> list[WebhookAttempt]:
    async with database.transaction(write=False) as session:
        rows = await session.exec(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(col(WebhookAttempt.attempted_at), col(WebhookAttempt.id))
        )
        return list(rows.all())


async def test_a_receiver_trickling_its_answer_is_cut_off_at_the_timeout_and_retried(
    tenant: Tenant, database_url: str, receiver: Receiver
) -> None:
    """Each byte comes within the timeout, the whole answer would not."""
    database = _worker(database_url, webhook_timeout_seconds=1)
    try:
        endpoint, _ = await _endpoint(tenant, database, receiver.url, "project.created")
        await tenant.project()
        receiver.trickle_seconds = 0.1
        started = time.monotonic()
        async with dispatcher.http_client(database.settings) as http:
            await dispatcher.dispatch_once(database, http)
        assert time.monotonic() - started < 3
        [delivery] = await _deliveries(database, endpoint.id)
        assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.pending, 1)
        [attempt] = await _attempts(database, delivery.id)
        assert (attempt.status_code, attempt.error) == (None, "timeout")
    finally:
        await database.dispose()
