"""The dispatcher: claims due deliveries, sends them, records what happened.

Never a transaction across network I/O:
1. `claim_due` leases a batch (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers share
   the work; SQLite runs one dispatcher) and commits.
2. `deliver` reads what to send, sends it outside any transaction, then records the attempt and
   the delivery's new state in a second transaction.
A worker killed at any point loses nothing: its lease expires and the delivery is claimed again,
with the same event id as `webhook-id` (at-least-once).
"""

import asyncio
import contextlib
import logging
import random
from datetime import datetime, timedelta
from uuid import UUID

import httpx
from sqlalchemy import or_, update
from sqlmodel import col, select

from app.core.events import record_event
from app.db import Database
from app.models import DeliveryStatus, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.settings import Settings
from app.webhooks import metrics
from app.webhooks.secrets import decrypt_secret
from app.webhooks.sending import Outcome, send

logger = logging.getLogger("handover.webhooks")

MAX_RETRY_AFTER_SECONDS = 24 * 3600
JITTER = 0.2


async def claim_due(database: Database, limit: int, now: datetime | None = None) -> list[UUID]:
    """Lease up to `limit` due deliveries for this worker; committed before anything is sent."""
    now = now or utcnow()
    lease_until = now + timedelta(seconds=database.settings.dispatcher_lease_seconds)
    async with database.transaction() as session:
        due = await session.exec(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending,
                WebhookDelivery.next_attempt_at <= now,
                or_(
                    col(WebhookDelivery.lease_until).is_(None),
                    col(WebhookDelivery.lease_until) < now,
                ),
            )
            .order_by(col(WebhookDelivery.next_attempt_at))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(due.all())
        if ids:
            await session.exec(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id).in_(ids))
                .values(lease_until=lease_until)
            )
    return ids


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


async def deliver(database: Database, client: httpx.AsyncClient, delivery_id: UUID) -> None:
    """Send one claimed delivery and record the outcome."""
    settings = database.settings
    async with database.transaction(write=False) as session:
        row = (
            await session.exec(
                select(WebhookDelivery, Event, WebhookEndpoint)
                .join(Event, col(Event.id) == WebhookDelivery.event_id)
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id == delivery_id)
            )
        ).first()
    if row is None or row[0].status is not DeliveryStatus.pending:
        return
    delivery, event, endpoint = row
    if not endpoint.enabled:
        await _finish(database, delivery, DeliveryStatus.failed, None)
        return
    outcome = await send(
        client,
        settings,
        endpoint.url,
        str(event.id),
        event.payload,
        _live_secrets(endpoint, settings, utcnow()),
    )
    await _record(database, delivery, endpoint, outcome)


async def _finish(
    database: Database, delivery: WebhookDelivery, status: DeliveryStatus, code: int | None
) -> None:
    async with database.transaction() as session:
        await session.exec(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id) == delivery.id)
            .values(status=status, completed_at=utcnow(), lease_until=None, last_status_code=code)
        )


async def _record(
    database: Database, delivery: WebhookDelivery, endpoint: WebhookEndpoint, outcome: Outcome
) -> None:
    """The attempt, the delivery's next state and the endpoint's health, in one transaction."""
    settings = database.settings
    now = utcnow()
    attempts = delivery.attempt_count + 1
    metrics.ATTEMPTS.labels(
        "succeeded" if outcome.succeeded else "gone" if outcome.gone else "failed"
    ).inc()
    values: dict[str, object] = {
        "attempt_count": attempts,
        "last_status_code": outcome.status_code,
        "lease_until": None,
    }
    delay = (
        None
        if outcome.succeeded or outcome.gone
        else retry_delay(settings, attempts, outcome.retry_after_seconds)
    )
    if outcome.succeeded:
        values.update(status=DeliveryStatus.succeeded, completed_at=now)
    elif delay is None:
        values.update(status=DeliveryStatus.failed, completed_at=now)
    else:
        values["next_attempt_at"] = now + timedelta(seconds=delay)
    async with database.transaction() as session:
        session.add(
            WebhookAttempt(
                organization_id=delivery.organization_id,
                delivery_id=delivery.id,
                attempted_at=now,
                status_code=outcome.status_code,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
                response_excerpt=outcome.excerpt,
            )
        )
        await session.exec(
            update(WebhookDelivery).where(col(WebhookDelivery.id) == delivery.id).values(**values)
        )
        current = await session.get(WebhookEndpoint, endpoint.id)
        if current is None or not current.enabled:
            return
        if outcome.succeeded:
            current.failing_since = None
            return
        current.failing_since = current.failing_since or now
        reason = None
        if outcome.gone:
            reason = "The receiver answered 410 Gone."
        elif now - current.failing_since >= timedelta(days=settings.webhook_disable_after_days):
            reason = f"Every delivery failed for {settings.webhook_disable_after_days:g} days."
        if reason is not None:
            current.enabled = False
            current.disabled_reason = reason
            current.disabled_at = now
            await session.flush()
            await record_event(
                session,
                organization_id=current.organization_id,
                type="endpoint.disabled",
                aggregate_type="webhook_endpoint",
                aggregate_id=current.id,
                aggregate_version=current.version,
                data={"endpoint_id": current.id, "reason": reason},
            )


def http_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        follow_redirects=False,
        limits=httpx.Limits(max_connections=settings.dispatcher_concurrency),
        trust_env=False,
    )


async def dispatch_once(database: Database, client: httpx.AsyncClient) -> int:
    """Claim one batch and deliver it concurrently; the number of deliveries handled."""
    settings = database.settings
    ids = await claim_due(database, settings.dispatcher_batch_size)
    gate = asyncio.Semaphore(settings.dispatcher_concurrency)

    async def one(delivery_id: UUID) -> None:
        async with gate:
            try:
                await deliver(database, client, delivery_id)
            except Exception:  # one bad delivery must not stop the others; its lease expires
                logger.exception("delivery failed unexpectedly", extra={"delivery": delivery_id})

    await asyncio.gather(*(one(delivery_id) for delivery_id in ids))
    return len(ids)


async def run(database: Database, stop: asyncio.Event) -> None:
    """Deliver until `stop` is set: batch after batch while there is work, then poll."""
    settings = database.settings
    async with http_client(settings) as client:
        while not stop.is_set():
            try:
                handled = await dispatch_once(database, client)
            except Exception:
                logger.exception("dispatcher cycle failed; retrying")
                handled = 0
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=settings.dispatcher_poll_seconds)
