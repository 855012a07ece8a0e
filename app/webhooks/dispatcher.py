"""The dispatcher: claims due deliveries, sends them, records what happened.

Never a transaction across network I/O:
1. `claim_due` leases a batch (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers share
   the work; SQLite runs one dispatcher) and commits.
2. `deliver_batch` reads what to send, sends it outside any transaction (renewing the lease
   meanwhile, each attempt cut off at the webhook timeout), then records the attempts and the
   deliveries' new states in a second transaction.
A worker killed at any point loses nothing: its lease expires and the delivery is claimed again,
with the same event id as `webhook-id` (at-least-once). A worker that lost its lease anyway
(stalled past it) sends nothing more of the batch it lost (`still_holds`, asked before each
send); an attempt already on its way when the lease went stays in the history, but the delivery
is left to the new holder, so a late failure never undoes a recorded success.
"""

import asyncio
import random
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import structlog
from cryptography.fernet import InvalidToken
from sqlalchemy import bindparam, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.leases import Lease, lease_rows, renewing, still_holds
from app.core.outbox import record_event
from app.core.rounds import run_rounds
from app.core.secrets import decrypt_secret
from app.db import Database, insert_or_ignore
from app.models import DeliveryStatus, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import UTCDateTime, new_id, utcnow
from app.settings import Settings
from app.webhooks import metrics
from app.webhooks.safety import Target, UnsafeWebhookUrl, resolve_target
from app.webhooks.sending import Outcome, refused, send

logger = structlog.get_logger("handover.webhooks")

MAX_RETRY_AFTER_SECONDS = 24 * 3600
JITTER = 0.2


async def claim_due(database: Database, limit: int, now: datetime | None = None) -> Lease:
    """Lease up to `limit` due deliveries for this worker; committed before anything is sent."""
    pending = col(WebhookDelivery.status) == DeliveryStatus.pending
    return await lease_rows(database, WebhookDelivery, pending, limit, now or utcnow())


def retry_delay(settings: Settings, attempts_made: int, retry_after: float | None) -> float | None:
    """Seconds until the next attempt after `attempts_made` failures, or None: give up."""
    schedule = settings.retry_delays
    if attempts_made > len(schedule):
        return None
    delay = schedule[attempts_made - 1] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


def _live_secrets(endpoint: WebhookEndpoint, settings: Settings, now: datetime) -> list[str]:
    secrets = [decrypt_secret(endpoint.secret_encrypted, settings)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted is not None and expires is not None and expires > now:
        secrets.append(decrypt_secret(endpoint.previous_secret_encrypted, settings))
    return secrets


async def deliver_batch(
    database: Database,
    client: httpx.AsyncClient,
    lease: Lease,
    gate: asyncio.Semaphore | None = None,
) -> None:
    """Send claimed deliveries concurrently: one read before, one write after, none between.
    `gate` bounds the sends in flight (shared by the batches of one dispatcher). The lease is
    renewed until the sends are done, however long the batch takes."""
    async with renewing(database, WebhookDelivery, lease):
        deliveries, outcomes, endpoint_ids = await _send_batch(database, client, lease, gate)
    attempt_ids = [new_id() for _ in deliveries]  # the same on a second try: kept once
    try:
        await _record_batch(database, lease, deliveries, outcomes, attempt_ids, endpoint_ids)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # The database dropped the connection while the receivers answered (a restart, a
        # failover): recorded on a new one rather than left to the lease's end and sent again.
        # The lease fences the states; the attempts, the first try may have committed after
        # all, are the same rows.
        await _record_batch(
            database, lease, deliveries, outcomes, attempt_ids, endpoint_ids, again=True
        )


async def _record_batch(
    database: Database,
    lease: Lease,
    deliveries: list[WebhookDelivery],
    outcomes: list[Outcome | None],
    attempt_ids: list[UUID],
    endpoint_ids: set[UUID],
    *,
    again: bool = False,
) -> None:
    """The batch's attempts and states, and each endpoint's health: one transaction."""
    settings = database.settings
    async with database.transaction() as session:
        await _record(session, settings, lease, deliveries, outcomes, attempt_ids, again=again)
        for endpoint_id in endpoint_ids:
            results = [
                outcome
                for delivery, outcome in zip(deliveries, outcomes, strict=True)
                if delivery.endpoint_id == endpoint_id and outcome is not None
            ]
            if results:
                await _endpoint_health(session, settings, endpoint_id, results)


async def _send_batch(
    database: Database,
    client: httpx.AsyncClient,
    lease: Lease,
    gate: asyncio.Semaphore | None,
) -> tuple[list[WebhookDelivery], list[Outcome | None], set[UUID]]:
    """The leased deliveries still pending, the outcome of sending each, and their endpoints.
    A delivery this worker no longer holds when its turn comes is left out, unsent: it is the
    new holder's to send and to record."""
    settings = database.settings
    async with database.transaction(write=False) as session:
        rows = (
            await session.exec(
                select(WebhookDelivery, Event, WebhookEndpoint)
                .join(Event, col(Event.id) == WebhookDelivery.event_id)
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
                .where(
                    col(WebhookDelivery.id).in_(lease.ids),
                    WebhookDelivery.status == DeliveryStatus.pending,
                )
            )
        ).all()
    sending = gate or asyncio.Semaphore(settings.dispatcher_concurrency)
    endpoints = {endpoint.id: endpoint for _, _, endpoint in rows}
    routes = {key: await _route(endpoint, settings) for key, endpoint in endpoints.items()}

    left: set[UUID] = set()

    async def attempt(
        delivery: WebhookDelivery, event: Event, endpoint: WebhookEndpoint
    ) -> Outcome | None:
        route = routes[endpoint.id]
        if route is None or isinstance(route, Outcome):
            return route
        target, secrets = route
        async with sending:
            if not await still_holds(database, WebhookDelivery, lease, delivery.id):
                left.add(delivery.id)
                return None
            try:
                return await send(
                    client,
                    target,
                    str(event.id),
                    event.payload,
                    secrets,
                    settings.webhook_timeout_seconds,
                )
            except Exception as exc:
                return _unexpected(endpoint, exc)

    outcomes = await asyncio.gather(*(attempt(*row) for row in rows))
    if left:
        metrics.LOST_BEFORE_SENDING.inc(len(left))
        logger.warning("deliveries not held at their turn", deliveries=sorted(map(str, left)))
    tried = [
        (delivery, outcome)
        for (delivery, _, _), outcome in zip(rows, outcomes, strict=True)
        if delivery.id not in left
    ]
    return [delivery for delivery, _ in tried], [outcome for _, outcome in tried], set(endpoints)


async def _route(
    endpoint: WebhookEndpoint, settings: Settings
) -> tuple[Target, list[str]] | Outcome | None:
    """Where and with what to send, once per endpoint and batch: the checked address and the
    live secrets; an Outcome when that already fails; None when the endpoint is disabled."""
    if not endpoint.enabled:
        return None
    try:
        secrets = _live_secrets(endpoint, settings, utcnow())
    except InvalidToken:
        error = "The endpoint's secret cannot be decrypted: was the encryption key changed?"
        return Outcome(None, 0, error, None)
    try:
        target = await resolve_target(endpoint.url, settings, sending=True)
    except UnsafeWebhookUrl as exc:
        return refused(exc)
    except Exception as exc:
        return _unexpected(endpoint, exc)
    return target, secrets


def _unexpected(endpoint: WebhookEndpoint, error: Exception) -> Outcome:
    """A failed attempt of this endpoint's delivery, retried on the schedule: whatever one
    receiver answers, or however odd its stored URL, the rest of the batch is still recorded
    (other tenants' deliveries among them, which would otherwise be sent again and again)."""
    logger.exception("webhook attempt failed unexpectedly", endpoint=str(endpoint.id))
    # the type alone: the message may hold what PostgreSQL cannot store (NUL); the log has it
    return Outcome(None, 0, f"unexpected error: {type(error).__name__}", None)


def _next_state(
    settings: Settings, delivery: WebhookDelivery, outcome: Outcome | None, now: datetime
) -> dict[str, Any]:
    """The delivery's columns after this outcome (`None`: the endpoint was disabled meanwhile,
    so it fails without a request; `recover` re-sends it)."""
    state: dict[str, Any] = {
        "delivery_id": delivery.id,
        "new_status": DeliveryStatus.failed.value,
        "new_attempt_count": delivery.attempt_count,
        "new_last_status_code": delivery.last_status_code,
        "new_next_attempt_at": delivery.next_attempt_at,
        "new_completed_at": now,
    }
    if outcome is None:
        return state
    attempts = delivery.attempt_count + 1
    state.update(new_attempt_count=attempts, new_last_status_code=outcome.status_code)
    if outcome.succeeded:
        state["new_status"] = DeliveryStatus.succeeded.value
        return state
    delay = None if outcome.gone else retry_delay(settings, attempts, outcome.retry_after_seconds)
    if delay is not None:
        state.update(
            new_status=DeliveryStatus.pending.value,
            new_next_attempt_at=now + timedelta(seconds=delay),
            new_completed_at=None,
        )
    return state


async def _record(
    session: AsyncSession,
    settings: Settings,
    lease: Lease,
    deliveries: list[WebhookDelivery],
    outcomes: list[Outcome | None],
    attempt_ids: list[UUID],
    *,
    again: bool = False,
) -> None:
    """Every attempt, and the next state of every delivery still under this worker's lease.
    `again`: a second try of the same record (counted in the metrics by the first).

    An attempt is history (what was sent and what came back) and is kept whoever holds the
    delivery now. The delivery's state is its holder's to set: a worker that lost the lease
    (another claimed the delivery after it expired) leaves it alone, or its late answer would
    overwrite the new holder's."""
    now = utcnow()
    held = set(
        (
            await session.exec(
                select(WebhookDelivery.id).where(lease.held(WebhookDelivery)).with_for_update()
            )
        ).all()
    )
    lost = [str(delivery.id) for delivery in deliveries if delivery.id not in held]
    if lost and not again:
        metrics.LEASES_LOST.inc(len(lost))
        logger.warning("lease lost before the outcome was recorded", deliveries=lost)
    attempts = [
        {
            "id": attempt_id,
            "organization_id": delivery.organization_id,
            "delivery_id": delivery.id,
            "attempted_at": now,
            "status_code": outcome.status_code,
            "duration_ms": outcome.duration_ms,
            "error": outcome.error,
            "response_excerpt": outcome.excerpt,
        }
        for delivery, outcome, attempt_id in zip(deliveries, outcomes, attempt_ids, strict=True)
        if outcome is not None
    ]
    for outcome in outcomes:
        if outcome is not None and not again:
            kind = "succeeded" if outcome.succeeded else "gone" if outcome.gone else "failed"
            metrics.ATTEMPTS.labels(kind).inc()
    table = WebhookDelivery.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    if attempts:
        kept = insert_or_ignore(session, WebhookAttempt.__table__)  # type: ignore[attr-defined]
        await connection.execute(kept, attempts)
    states = [
        _next_state(settings, delivery, outcome, now)
        for delivery, outcome in zip(deliveries, outcomes, strict=True)
        if delivery.id in held
    ]
    if not states:
        return
    await connection.execute(
        update(table)
        .where(table.c.id == bindparam("delivery_id"), table.c.lease_until == lease.until)
        .values(
            status=bindparam("new_status"),
            attempt_count=bindparam("new_attempt_count"),
            last_status_code=bindparam("new_last_status_code"),
            next_attempt_at=bindparam("new_next_attempt_at", type_=UTCDateTime()),
            completed_at=bindparam("new_completed_at", type_=UTCDateTime()),
            lease_until=None,
        ),
        states,
    )


async def _endpoint_health(
    session: AsyncSession, settings: Settings, endpoint_id: UUID, outcomes: list[Outcome]
) -> None:
    """A success clears `failing_since`; a 410, or failing for days, disables the endpoint."""
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.enabled:
        return
    now = utcnow()
    if any(outcome.succeeded for outcome in outcomes):
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
        return
    endpoint.failing_since = endpoint.failing_since or now
    reason = None
    if any(outcome.gone for outcome in outcomes):
        reason = "The receiver answered 410 Gone."
    elif now - endpoint.failing_since >= timedelta(days=settings.webhook_disable_after_days):
        reason = f"Every delivery failed for {settings.webhook_disable_after_days:g} days."
    if reason is None:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    await session.flush()
    await record_event(
        session,
        organization_id=endpoint.organization_id,
        type="endpoint.disabled",
        aggregate_type="webhook_endpoint",
        aggregate_id=endpoint.id,
        aggregate_version=endpoint.version,
        data={"reason": reason},
    )


def http_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=settings.dispatcher_concurrency),
        trust_env=False,
    )


async def dispatch_once(
    database: Database, client: httpx.AsyncClient, gate: asyncio.Semaphore | None = None
) -> int:
    """Claim one batch and deliver it; the number of deliveries handled."""
    lease = await claim_due(database, database.settings.dispatcher_batch_size)
    if lease.ids:
        await deliver_batch(database, client, lease, gate)
    return len(lease.ids)


async def run(database: Database, stop: asyncio.Event) -> None:
    """Deliver until `stop` is set, `dispatcher_batches_in_flight` batches at a time.

    One batch is a claim, its sends, and the record of its outcomes; with one batch alone the
    sending waits while a batch is claimed and recorded. With two, one batch's database work
    overlaps the other's sends. The HTTP client's pool still caps the sends in flight at
    `dispatcher_concurrency`, and each batch is its own lease, so no delivery is claimed twice.
    """
    settings = database.settings
    async with http_client(settings) as client:
        await asyncio.gather(
            *(
                _batches(database, client, stop)
                for _ in range(settings.dispatcher_batches_in_flight)
            )
        )


async def _batches(database: Database, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
    """Batch after batch while there is work, then poll."""
    await run_rounds(
        lambda: dispatch_once(database, client),
        stop,
        idle_seconds=database.settings.dispatcher_poll_seconds,
        failure="dispatcher cycle failed; retrying",
        logger=logger,
    )
