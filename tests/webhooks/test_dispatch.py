"""Delivery to a real receiver on 127.0.0.1: signed, retried, never lost."""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlmodel import col, select
from standardwebhooks import Webhook

from app.core.secrets import encrypt_secret, generate_secret
from app.db import Database
from app.models import DeliveryStatus, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.settings import Settings
from app.webhooks import dispatcher
from tests.conftest import settings_for
from tests.factories import Tenant
from tests.webhooks.receiver import Receiver, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
async def hooks_database(database_url: str) -> AsyncIterator[Database]:
    """The dispatcher's view: local receivers allowed, retries compressed to no wait."""
    settings: Settings = settings_for(
        database_url,
        webhook_allow_http=True,
        webhook_allowed_cidrs="127.0.0.0/8",
        webhook_allow_public=False,  # never send a test's traffic off this machine
        webhook_retry_schedule="0,0,0",
        webhook_timeout_seconds=5,
    )
    db = Database(settings)
    yield db
    await db.dispose()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The dispatcher's HTTP client (not the API client of the tenant)."""
    async with dispatcher.http_client(Settings(webhook_timeout_seconds=5)) as http:
        yield http


async def _endpoint(
    tenant: Tenant, database: Database, url: str, *types: str
) -> tuple[WebhookEndpoint, str]:
    secret = generate_secret()
    async with database.transaction() as session:
        endpoint = WebhookEndpoint(
            organization_id=tenant.organization_id,
            url=url,
            event_types=list(types),
            secret_encrypted=encrypt_secret(secret, database.settings),
        )
        session.add(endpoint)
    return endpoint, secret


async def _drain(database: Database, client: httpx.AsyncClient, rounds: int = 10) -> None:
    for _ in range(rounds):
        if await dispatcher.dispatch_once(database, client) == 0:
            return


async def _deliveries(database: Database, endpoint_id: UUID) -> list[WebhookDelivery]:
    async with database.transaction(write=False) as session:
        rows = await session.exec(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        )
        return list(rows.all())


async def test_an_event_reaches_the_receiver_signed_and_verifiable(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint, secret = await _endpoint(tenant, hooks_database, receiver.url, "project.created")
    project = await tenant.project()
    await tenant.patch(f"/v1/projects/{project['id']}", json={"name": "not subscribed"})
    await _drain(hooks_database, http)
    assert len(receiver.received) == 1
    request = receiver.received[0]
    payload: Any = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "project.created"
    assert payload["data"]["project_id"] == project["id"]
    async with hooks_database.transaction(write=False) as session:
        event = (
            await session.exec(select(Event).where(Event.id == UUID(request.headers["webhook-id"])))
        ).one()
    assert request.body == event.payload  # the stored bytes are what was signed and sent
    [delivery] = await _deliveries(hooks_database, endpoint.id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 1)


async def test_failures_are_retried_with_the_same_webhook_id_until_success(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint, _ = await _endpoint(tenant, hooks_database, receiver.url)
    receiver.answer(500, 500)
    await tenant.project()
    await _drain(hooks_database, http)
    assert [r.headers["webhook-id"] for r in receiver.received] == [
        receiver.received[0].headers["webhook-id"]
    ] * 3
    [delivery] = await _deliveries(hooks_database, endpoint.id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 3)
    async with hooks_database.transaction(write=False) as session:
        attempts = (
            await session.exec(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == delivery.id)
                .order_by(col(WebhookAttempt.id))
            )
        ).all()
    assert [a.status_code for a in attempts] == [500, 500, 200]
    assert (attempts[0].error, attempts[0].response_excerpt) == ("HTTP 500", "ok")


async def test_a_delivery_fails_after_the_last_retry(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint, _ = await _endpoint(tenant, hooks_database, receiver.url)
    receiver.answer(503, 503, 503, 503, 503)
    await tenant.project()
    await _drain(hooks_database, http)
    [delivery] = await _deliveries(hooks_database, endpoint.id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.failed, 4)
    assert len(receiver.received) == 4  # the first attempt and three retries


async def test_redirects_are_failures_not_followed(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint, _ = await _endpoint(tenant, hooks_database, receiver.url)
    receiver.answer(302, headers={"location": "http://169.254.169.254/latest"})
    await tenant.project()
    await dispatcher.dispatch_once(hooks_database, http)
    assert len(receiver.received) == 1
    [delivery] = await _deliveries(hooks_database, endpoint.id)
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.pending, 302)


async def test_410_disables_the_endpoint_with_a_reason_and_an_event(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint, _ = await _endpoint(tenant, hooks_database, receiver.url)
    receiver.answer(410)
    await tenant.project()
    await _drain(hooks_database, http)
    async with hooks_database.transaction(write=False) as session:
        stored = await session.get(WebhookEndpoint, endpoint.id)
        assert stored is not None
        assert (stored.enabled, stored.disabled_reason) == (
            False,
            "The receiver answered 410 Gone.",
        )
        disabled = (
            await session.exec(
                select(Event).where(
                    Event.organization_id == tenant.organization_id,
                    Event.type == "endpoint.disabled",
                )
            )
        ).all()
    assert len(disabled) == 1
    data = json.loads(disabled[0].payload)["data"]
    assert data.keys() == {"webhook_endpoint_id", "version", "reason"}  # the id named once
    assert data["webhook_endpoint_id"] == str(endpoint.id)
    [delivery] = await _deliveries(hooks_database, endpoint.id)
    assert delivery.status == DeliveryStatus.failed
    await tenant.project()  # a disabled endpoint gets no new deliveries
    assert len(await _deliveries(hooks_database, endpoint.id)) == 1


async def test_rotation_signs_with_both_secrets_during_the_grace_period(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint, old_secret = await _endpoint(tenant, hooks_database, receiver.url)
    new_secret = generate_secret()
    async with hooks_database.transaction() as session:
        stored = await session.get(WebhookEndpoint, endpoint.id)
        assert stored is not None
        stored.previous_secret_encrypted = stored.secret_encrypted
        stored.previous_secret_expires_at = utcnow() + timedelta(hours=1)
        stored.secret_encrypted = encrypt_secret(new_secret, hooks_database.settings)
    await tenant.project()
    await _drain(hooks_database, http)
    request = receiver.received[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old_secret, new_secret):
        assert Webhook(secret).verify(request.body, request.headers)["type"] == "project.created"


async def test_an_endpoint_failing_for_days_is_disabled(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint, _ = await _endpoint(tenant, hooks_database, receiver.url)
    async with hooks_database.transaction() as session:
        stored = await session.get(WebhookEndpoint, endpoint.id)
        assert stored is not None
        stored.failing_since = utcnow() - timedelta(days=6)
    receiver.answer(500)
    await tenant.project()
    await dispatcher.dispatch_once(hooks_database, http)
    async with hooks_database.transaction(write=False) as session:
        stored = await session.get(WebhookEndpoint, endpoint.id)
        assert stored is not None
        assert stored.enabled is False
        assert "failed for 5 days" in (stored.disabled_reason or "")


async def test_retry_after_is_honoured(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint, _ = await _endpoint(tenant, hooks_database, receiver.url)
    receiver.answer(429, headers={"retry-after": "120"})
    await tenant.project()
    before = utcnow()
    await dispatcher.dispatch_once(hooks_database, http)
    [delivery] = await _deliveries(hooks_database, endpoint.id)
    assert delivery.status == DeliveryStatus.pending
    assert delivery.next_attempt_at >= before + timedelta(seconds=119)


async def _attempts(database: Database, delivery_id: UUID) -> list[WebhookAttempt]:
    async with database.transaction(write=False) as session:
        query = select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
        return list((await session.exec(query)).all())


async def test_a_retry_after_that_is_no_number_is_ignored_and_the_whole_batch_recorded(
    tenant: Tenant, other_tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient
) -> None:
    """`²` passes `isdigit()` but not `float()`: the receiver's answer is still an attempt,
    retried on the schedule, and the other tenant's delivery in the batch is recorded once."""
    with running_receiver() as odd, running_receiver() as fine:
        mine, _ = await _endpoint(tenant, hooks_database, odd.url, "project.created")
        theirs, _ = await _endpoint(other_tenant, hooks_database, fine.url, "project.created")
        odd.answer(503, headers={"retry-after": "\u00b2"})  # goes out as the byte 0xb2
        await tenant.project()
        await other_tenant.project()
        before = utcnow()
        await dispatcher.dispatch_once(hooks_database, http)
    [answered] = await _deliveries(hooks_database, theirs.id)
    assert (answered.status, answered.attempt_count) == (DeliveryStatus.succeeded, 1)
    assert len(fine.received) == 1
    [failed] = await _deliveries(hooks_database, mine.id)
    assert (failed.status, failed.attempt_count, failed.last_status_code) == (
        DeliveryStatus.pending,
        1,
        503,
    )
    assert before <= failed.next_attempt_at <= utcnow() + timedelta(seconds=1)  # schedule: 0 s
    [attempt] = await _attempts(hooks_database, failed.id)
    assert (attempt.status_code, attempt.error) == (503, "HTTP 503")


async def test_a_stored_url_httpx_cannot_send_to_fails_only_its_own_delivery(
    tenant: Tenant,
    other_tenant: Tenant,
    hooks_database: Database,
    http: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    """A URL with DEL, as stored before the API refused it: no request, a refused attempt
    retried later, and the rest of the batch delivered and recorded."""
    mine, _ = await _endpoint(tenant, hooks_database, receiver.url + "\x7f", "project.created")
    theirs, _ = await _endpoint(other_tenant, hooks_database, receiver.url, "project.created")
    await tenant.project()
    await other_tenant.project()
    await dispatcher.dispatch_once(hooks_database, http)
    assert len(receiver.received) == 1
    [answered] = await _deliveries(hooks_database, theirs.id)
    assert answered.status == DeliveryStatus.succeeded
    [refused] = await _deliveries(hooks_database, mine.id)
    assert (refused.status, refused.attempt_count) == (DeliveryStatus.pending, 1)
    [attempt] = await _attempts(hooks_database, refused.id)
    assert attempt.status_code is None
    assert (attempt.error or "").startswith("refused: The webhook URL cannot be sent to")


async def test_a_leased_delivery_is_not_claimed_twice_until_its_lease_expires(
    tenant: Tenant, hooks_database: Database, receiver: Receiver
) -> None:
    endpoint, _ = await _endpoint(tenant, hooks_database, receiver.url)
    await tenant.project()
    now = utcnow()
    first = (await dispatcher.claim_due(hooks_database, 100, now)).ids
    mine = [d.id for d in await _deliveries(hooks_database, endpoint.id)]
    assert set(mine) <= set(first)
    assert not set(mine) & set((await dispatcher.claim_due(hooks_database, 100, now)).ids)
    later = now + timedelta(seconds=hooks_database.settings.dispatcher_lease_seconds + 1)
    assert set(mine) <= set((await dispatcher.claim_due(hooks_database, 100, later)).ids)


async def test_batches_in_flight_deliver_every_event_once_within_the_concurrency(
    tenant: Tenant, database_url: str, receiver: Receiver
) -> None:
    """Two batches at once, three deliveries a batch, two sends in flight at most."""
    settings = settings_for(
        database_url,
        webhook_allow_http=True,
        webhook_allowed_cidrs="127.0.0.0/8",
        webhook_allow_public=False,
        webhook_timeout_seconds=5,
        dispatcher_batch_size=3,
        dispatcher_batches_in_flight=2,
        dispatcher_concurrency=2,
        dispatcher_poll_seconds=0.05,
    )
    database = Database(settings)
    receiver.delay_seconds = 0.02  # long enough for sends to overlap
    endpoint, _ = await _endpoint(tenant, database, receiver.url, "project.created")
    for number in range(10):
        await tenant.project(name=f"Rollout {number}")
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(database, stop))
    try:
        for _ in range(200):
            deliveries = await _deliveries(database, endpoint.id)
            if all(d.status is DeliveryStatus.succeeded for d in deliveries):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running
        await database.dispose()
    assert len(deliveries) == 10
    assert all(d.attempt_count == 1 for d in deliveries)
    sent = [request.headers["webhook-id"] for request in receiver.received]
    assert sorted(sent) == sorted(str(d.event_id) for d in deliveries)  # each once
    assert receiver.most_at_once <= 2


def test_backoff_follows_the_schedule_with_jitter() -> None:
    settings = Settings(webhook_retry_schedule="5,300,1800")
    delays = [dispatcher.retry_delay(settings, attempt, None) for attempt in (1, 2, 3)]
    for delay, base in zip(delays, (5, 300, 1800), strict=True):
        assert delay is not None
        assert base * 0.8 <= delay <= base * 1.2
    assert dispatcher.retry_delay(settings, 4, None) is None
    assert dispatcher.retry_delay(settings, 1, 90) == pytest.approx(90, abs=1.5)
    assert dispatcher.retry_delay(settings, 1, 10**9) == dispatcher.MAX_RETRY_AFTER_SECONDS


def _payload(body: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(body)
    return parsed


async def test_unsafe_targets_are_refused_again_at_send_time(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient
) -> None:
    """A URL that was fine at registration but is not now (or was never checked) gets no
    request: the attempt records the refusal and the delivery is retried later."""
    endpoint, _ = await _endpoint(tenant, hooks_database, "http://10.0.0.1/hooks")
    await tenant.project()
    await dispatcher.dispatch_once(hooks_database, http)
    [delivery] = await _deliveries(hooks_database, endpoint.id)
    async with hooks_database.transaction(write=False) as session:
        [attempt] = (
            await session.exec(
                select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)
            )
        ).all()
    assert attempt.status_code is None
    assert (attempt.error or "").startswith("refused:")
    assert delivery.status == DeliveryStatus.pending


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "https://127.0.0.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/x",
        "https://10.0.0.1/x",
        "https://100.64.0.1/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://localhost/x",
    ],
)
async def test_default_settings_refuse_private_targets_when_sending(url: str) -> None:
    from app.webhooks.safety import UnsafeWebhookUrl, resolve_target

    with pytest.raises(UnsafeWebhookUrl):
        await resolve_target(url, Settings(webhook_allow_public=True), sending=True)


async def test_a_risk_crossing_the_threshold_is_one_verified_alert(
    tenant: Tenant, hooks_database: Database, http: httpx.AsyncClient, receiver: Receiver
) -> None:
    _, secret = await _endpoint(tenant, hooks_database, receiver.url, "risk.alert")
    project = await tenant.project()
    risk = (
        await tenant.post(
            f"/v1/projects/{project['id']}/risks",
            json={
                "title": "Vendor",
                "category": "resource",
                "probability": 3,
                "impact": 3,
                "response": "accept",
            },
        )
    ).json()
    url = f"/v1/risks/{risk['id']}"
    await tenant.patch(url, json={"probability": 4, "impact": 4})  # 16: crosses 15
    await tenant.patch(url, json={"title": "Vendor goes bust"})  # still above: no new alert
    await tenant.patch(url, json={"impact": 5})  # 20: still the same crossing
    await _drain(hooks_database, http)
    # Exactly one: the project turning red because of this risk is the same change.
    assert len(receiver.received) == 1
    request = receiver.received[0]
    alert: Any = Webhook(secret).verify(request.body, request.headers)
    assert alert["type"] == "risk.alert"
    assert (alert["data"]["reason"], alert["data"]["score"]) == ("risk_score", 16)
    assert alert["data"]["risk_id"] == risk["id"]
