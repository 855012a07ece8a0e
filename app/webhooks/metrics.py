"""Webhook metrics: attempts counted as they happen, the backlog read at scrape time."""

import time

from prometheus_client import Counter, Gauge
from sqlalchemy import func
from sqlmodel import col, select

from app.db import Database
from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow

ATTEMPTS = Counter(
    "handover_webhook_attempts_total", "Webhook delivery attempts, by outcome.", ["outcome"]
)
LEASES_LOST = Counter(
    "handover_webhook_leases_lost_total",
    "Deliveries sent by a worker that had lost their lease: attempt kept, state left alone.",
)
LOST_BEFORE_SENDING = Counter(
    "handover_webhook_leases_lost_before_sending_total",
    "Deliveries a worker did not send, no longer sure it held them (taken over, or the lease "
    "could not be renewed once past its term): left to be leased again.",
)
PENDING = Gauge("handover_webhook_deliveries_pending", "Deliveries waiting to be sent.")
OLDEST_PENDING = Gauge(
    "handover_webhook_oldest_pending_seconds", "Age of the oldest pending delivery."
)
FAILED = Gauge("handover_webhook_deliveries_failed", "Deliveries that gave up (all retries).")
DISABLED = Gauge("handover_webhook_endpoints_disabled", "Endpoints disabled (410 or failing).")


class Backlog:
    """The backlog's gauges, read again once they are `max_age_seconds` old.

    `/metrics` needs no key, and the backlog is counted over every organization's deliveries:
    asked at will, each scrape would be that count again. Scrapes in between, and scrapes while
    a read runs, show the last read's numbers.
    """

    def __init__(self, max_age_seconds: float) -> None:
        self.max_age_seconds = max_age_seconds
        self.read_at: float | None = None

    async def refresh(self, database: Database) -> None:
        now = time.monotonic()
        if self.read_at is not None and now - self.read_at < self.max_age_seconds:
            return
        self.read_at = now
        try:
            await _read(database)
        except BaseException:
            self.read_at = None  # the next scrape tries again
            raise


async def _read(database: Database) -> None:
    """Read the backlog (all organizations: these are the operator's numbers)."""
    async with database.transaction(write=False) as session:
        pending, oldest = (
            await session.exec(
                select(func.count(), func.min(WebhookDelivery.created_at)).where(
                    WebhookDelivery.status == DeliveryStatus.pending
                )
            )
        ).one()
        failed = (
            await session.exec(
                select(func.count()).where(WebhookDelivery.status == DeliveryStatus.failed)
            )
        ).one()
        disabled = (
            await session.exec(select(func.count()).where(col(WebhookEndpoint.enabled).is_(False)))
        ).one()
    PENDING.set(pending)
    OLDEST_PENDING.set((utcnow() - oldest).total_seconds() if oldest is not None else 0)
    FAILED.set(failed)
    DISABLED.set(disabled)
