"""A slow receiver gets each event once, and what it answered is the delivery's state.

Several workers share the deliveries through leases (app/core/leases.py): a worker still
sending keeps its lease, a worker that lost it anyway sends no more of what it lost and cannot
overwrite the next holder's record, and no receiver can hold an attempt past the webhook timeout.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app import db as app_db
from app.core.leases import Lease, takeable
from app.db import Database
from app.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from app.models.base import utcnow
from app.webhooks import dispatcher
from tests.conftest import settings_for
from tests.factories import Tenant
from tests.leases import take_over, woken_after_its_lease
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


@pytest.fixture
async def workers(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two workers whose lease is shorter than the receiver's answer: the shortest lease
    stands for the default one and a batch that takes longer than it."""
    a, b = (
        _worker(database_url, webhook_timeout_seconds=10, dispatcher_lease_seconds=5)
        for _ in range(2)
    )
    yield a, b
    await a.dispose()
    await b.dispose()


async def _attempts(database: Database, delivery_id: UUID) -> list[WebhookAttempt]:
    async with database.transaction(write=False) as session:
        rows = await session.exec(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(col(WebhookAttempt.attempted_at), col(WebhookAttempt.id))
        )
        return list(rows.all())


async def _at_the_receiver(receiver: Receiver) -> str:
    """Once the first request is at the receiver (its answer still to come): its `webhook-id`."""
    for _ in range(500):
        if receiver.arrived:
            return receiver.arrived[0]
        await asyncio.sleep(0.01)
    raise AssertionError("no request reached the receiver")


async def _claimed_by_both(a: Database, b: Database, endpoint_id: UUID) -> tuple[Lease, Lease]:
    """The endpoint's one delivery leased by A, then by B once A's lease expired; each lease
    narrowed to it (other tests' leftovers stay leased until B's lease ends)."""
    [delivery] = await _deliveries(a, endpoint_id)
    now = utcnow()
    stalled = await dispatcher.claim_due(a, 1000, now)
    later = now + timedelta(seconds=a.settings.dispatcher_lease_seconds + 1)
    holder = await dispatcher.claim_due(b, 1000, later)
    assert delivery.id in stalled.ids
    assert delivery.id in holder.ids
    return Lease([delivery.id], stalled.until), Lease([delivery.id], holder.until)


async def test_a_receiver_slower_than_the_lease_gets_the_event_once_and_its_success_stands(
    tenant: Tenant, workers: tuple[Database, Database], receiver: Receiver
) -> None:
    a, b = workers
    endpoint, _ = await _endpoint(tenant, a, receiver.url, "project.created")
    await tenant.project()
    receiver.delay_seconds = 6.0  # longer than the lease, within the timeout
    receiver.answer(200, 503)  # a second send would be answered with a failure
    async with dispatcher.http_client(a.settings) as ha, dispatcher.http_client(b.settings) as hb:
        first = asyncio.create_task(dispatcher.dispatch_once(a, ha))
        await asyncio.sleep(5.5)  # A is still waiting for the answer; its lease was due to end
        await dispatcher.dispatch_once(b, hb)
        await first
    assert len(receiver.received) == 1
    [delivery] = await _deliveries(a, endpoint.id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 1)


async def test_a_late_failure_from_a_worker_that_lost_its_lease_does_not_undo_a_success(
    tenant: Tenant, workers: tuple[Database, Database], receiver: Receiver
) -> None:
    """A worker stalled past its lease (renewal cannot help a process that is stopped) answers
    after the next holder recorded a success: its attempt is history, the success stands."""
    a, b = workers
    endpoint, _ = await _endpoint(tenant, a, receiver.url, "project.created")
    await tenant.project()
    stalled, holder = await _claimed_by_both(a, b, endpoint.id)
    receiver.answer(200, 503)  # the first answer given is a success, the second a failure
    receiver.delay_seconds = 1.0
    async with dispatcher.http_client(a.settings) as ha, dispatcher.http_client(b.settings) as hb:
        late = asyncio.create_task(dispatcher.deliver_batch(a, ha, stalled))
        await _at_the_receiver(receiver)
        receiver.delay_seconds = 0  # the holder's send is answered first
        await dispatcher.deliver_batch(b, hb, holder)
        [delivery] = await _deliveries(a, endpoint.id)
        assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 1)
        await late
    [delivery] = await _deliveries(a, endpoint.id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 1)
    assert [attempt.status_code for attempt in await _attempts(a, delivery.id)] == [200, 503]


async def test_a_late_failure_from_a_worker_without_the_lease_leaves_the_delivery_alone(
    tenant: Tenant, workers: tuple[Database, Database], receiver: Receiver
) -> None:
    a, b = workers
    endpoint, _ = await _endpoint(tenant, a, receiver.url, "project.created")
    await tenant.project()
    stalled, holder = await _claimed_by_both(a, b, endpoint.id)
    receiver.answer(503)
    async with dispatcher.http_client(a.settings) as ha:
        await dispatcher.deliver_batch(a, ha, stalled)  # sent while B holds the delivery
    [delivery] = await _deliveries(a, endpoint.id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.pending, 0)
    assert delivery.lease_until == holder.until  # still B's: B sends it and records that
    assert [attempt.status_code for attempt in await _attempts(a, delivery.id)] == [503]


async def test_deliveries_taken_over_while_they_wait_their_turn_are_not_sent_again(
    tenant: Tenant, workers: tuple[Database, Database], receiver: Receiver
) -> None:
    """A's batch goes out one send at a time, a slow receiver holding the first; meanwhile B
    takes the rest over and sends them. A learns so when it renews, and sends only what it
    still holds: each event reaches the receiver once, one attempt each, B's record stands."""
    a, b = workers
    endpoint, _ = await _endpoint(tenant, a, receiver.url, "project.created")
    for _ in range(3):
        await tenant.project()
    deliveries = {
        str(delivery.event_id): delivery.id for delivery in await _deliveries(a, endpoint.id)
    }
    claimed = await dispatcher.claim_due(a, 1000)
    assert set(deliveries.values()) <= set(claimed.ids)
    lease = Lease(list(deliveries.values()), claimed.until)  # this test's deliveries only
    receiver.delay_seconds = 2.5  # past A's first renewal, a third of the lease from now
    receiver.answer(200, 200, 200, 503, 503)  # a send of A's after B's would fail
    async with dispatcher.http_client(a.settings) as ha, dispatcher.http_client(b.settings) as hb:
        one_at_a_time = asyncio.Semaphore(1)
        sending = asyncio.create_task(dispatcher.deliver_batch(a, ha, lease, one_at_a_time))
        first = await _at_the_receiver(receiver)
        receiver.delay_seconds = 0
        rest = [delivery_id for event_id, delivery_id in deliveries.items() if event_id != first]
        await dispatcher.deliver_batch(b, hb, await take_over(b, WebhookDelivery, rest))
        await sending
    assert sorted(receiver.arrived) == sorted(deliveries)
    for delivery in await _deliveries(a, endpoint.id):
        assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 1)
        assert [attempt.status_code for attempt in await _attempts(a, delivery.id)] == [200]


async def test_a_worker_stalled_past_its_lease_sends_nothing_another_worker_took_over(
    tenant: Tenant,
    workers: tuple[Database, Database],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Woken after its lease's end, A renews before it sends, finds the delivery B's, and
    leaves it to B: no request, no attempt, B's lease untouched."""
    a, b = workers
    endpoint, _ = await _endpoint(tenant, a, receiver.url, "project.created")
    await tenant.project()
    stalled, holder = await _claimed_by_both(a, b, endpoint.id)
    woken_after_its_lease(monkeypatch, a)
    async with dispatcher.http_client(a.settings) as ha:
        await dispatcher.deliver_batch(a, ha, stalled)
    assert receiver.arrived == []
    [delivery] = await _deliveries(a, endpoint.id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.pending, 0)
    assert delivery.lease_until == holder.until
    assert await _attempts(a, delivery.id) == []


async def _claimed_then_stalled(
    tenant: Tenant, worker: Database, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> tuple[UUID, WebhookDelivery, Lease]:
    """One delivery to `receiver`, claimed by `worker`, which then stalls past its lease."""
    endpoint, _ = await _endpoint(tenant, worker, receiver.url, "project.created")
    await tenant.project()
    [delivery] = await _deliveries(worker, endpoint.id)
    claimed = await dispatcher.claim_due(worker, 1000)
    woken_after_its_lease(monkeypatch, worker)
    return endpoint.id, delivery, Lease([delivery.id], claimed.until)


async def test_a_worker_stalled_past_its_lease_that_nobody_took_over_still_sends(
    tenant: Tenant,
    workers: tuple[Database, Database],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its lease's term has passed, but the delivery is still its own: renewed, then sent."""
    a, _ = workers
    endpoint_id, delivery, claimed = await _claimed_then_stalled(tenant, a, receiver, monkeypatch)
    async with dispatcher.http_client(a.settings) as ha:
        await dispatcher.deliver_batch(a, ha, claimed)
    assert receiver.arrived == [str(delivery.event_id)]
    [delivery] = await _deliveries(a, endpoint_id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 1)


@contextmanager
def _next_write_refused() -> Iterator[None]:
    """The next write transaction fails at its commit (a database that went away)."""
    refused: list[bool] = []

    async def refuse(session: AsyncSession) -> None:
        if session.info.get(app_db.WRITES) and not refused:
            refused.append(True)
            raise OperationalError("COMMIT", None, ConnectionError("the server went away"))

    app_db.before_commit(refuse)
    try:
        yield
    finally:
        app_db._BEFORE_COMMIT.remove(refuse)


async def test_a_worker_that_cannot_renew_its_lease_past_its_term_leaves_the_delivery_due(
    tenant: Tenant,
    workers: tuple[Database, Database],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not sure it still holds the delivery, the worker does not send it: nothing is lost, the
    delivery is leased again once its lease runs out (by this worker or, here, another)."""
    a, b = workers
    endpoint_id, delivery, claimed = await _claimed_then_stalled(tenant, a, receiver, monkeypatch)
    async with dispatcher.http_client(a.settings) as ha:
        with _next_write_refused():
            await dispatcher.deliver_batch(a, ha, claimed)
    assert receiver.arrived == []
    [kept] = await _deliveries(a, endpoint_id)
    assert (kept.status, kept.attempt_count) == (DeliveryStatus.pending, 0)

    later = claimed.until + timedelta(seconds=1)  # once its lease has run out
    pending = col(WebhookDelivery.status) == DeliveryStatus.pending
    async with b.transaction(write=False) as session:
        ready = takeable(WebhookDelivery, pending & (col(WebhookDelivery.id) == delivery.id), later)
        assert (await session.exec(select(WebhookDelivery.id).where(ready))).all() == [delivery.id]
    again = await take_over(b, WebhookDelivery, [delivery.id])  # others' rows left alone
    async with dispatcher.http_client(b.settings) as hb:
        await dispatcher.deliver_batch(b, hb, again)
    assert receiver.arrived == [str(delivery.event_id)]
    [sent] = await _deliveries(b, endpoint_id)
    assert (sent.status, sent.attempt_count) == (DeliveryStatus.succeeded, 1)


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


async def test_a_database_connection_lost_while_receivers_answer_sends_nothing_twice(
    tenant: Tenant, database_url: str, receiver: Receiver
) -> None:
    """A database restart or failover while the batch is out: the outcome is recorded on a new
    connection, not left to a lease that expires and a batch sent again."""
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("a SQLite connection is a file: nothing between it and the worker to lose")
    worker = _worker(database_url, db_pool_size=1, db_max_overflow=0)  # one connection to lose
    try:
        endpoint, _ = await _endpoint(tenant, worker, receiver.url, "project.created")
        await tenant.project()
        [delivery] = await _deliveries(worker, endpoint.id)
        lease = await dispatcher.claim_due(worker, 1000)
        async with worker.transaction(write=False) as session:
            [pid] = (await session.exec(text("SELECT pg_backend_pid()"))).one()  # type: ignore[call-overload]
        receiver.delay_seconds = 0.5
        async with dispatcher.http_client(worker.settings) as http:
            sent = asyncio.create_task(
                dispatcher.deliver_batch(worker, http, Lease([delivery.id], lease.until))
            )
            await _at_the_receiver(receiver)
            async with tenant.database.transaction() as session:
                await session.exec(text("SELECT pg_terminate_backend(:pid)").bindparams(pid=pid))  # type: ignore[call-overload]
            await sent
        [delivery] = await _deliveries(worker, endpoint.id)
        assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 1)
        assert len(receiver.received) == 1
    finally:
        await worker.dispose()


async def test_a_record_whose_commit_answer_was_lost_is_kept_once_when_tried_again(
    tenant: Tenant, database_url: str, receiver: Receiver
) -> None:
    """The connection drops after the database committed but before it said so: the second
    try finds the record made, and adds no second attempt."""
    worker = _worker(database_url)
    lost_once = [False]

    def answer_lost(session: Session) -> None:
        """After the commit of the first transaction that kept an attempt."""
        if not lost_once[0] and attempts_kept:
            lost_once[0] = True
            gone = ConnectionResetError("the answer to COMMIT never came")
            raise DBAPIError("COMMIT", None, gone, connection_invalidated=True)

    attempts_kept: list[str] = []

    def seen(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO WEBHOOK_ATTEMPTS"):
            attempts_kept.append(statement)

    try:
        endpoint, _ = await _endpoint(tenant, worker, receiver.url, "project.created")
        await tenant.project()
        [delivery] = await _deliveries(worker, endpoint.id)
        lease = await dispatcher.claim_due(worker, 1000)
        event.listen(worker.engine.sync_engine, "before_cursor_execute", seen)
        event.listen(Session, "after_commit", answer_lost)
        try:
            async with dispatcher.http_client(worker.settings) as http:
                await dispatcher.deliver_batch(worker, http, Lease([delivery.id], lease.until))
        finally:
            event.remove(Session, "after_commit", answer_lost)
            event.remove(worker.engine.sync_engine, "before_cursor_execute", seen)
        assert lost_once[0]
        [delivery] = await _deliveries(worker, endpoint.id)
        assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.succeeded, 1)
        assert [attempt.status_code for attempt in await _attempts(worker, delivery.id)] == [200]
    finally:
        await worker.dispose()
