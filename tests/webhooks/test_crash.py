"""A worker killed with SIGKILL mid-run loses nothing: every event reaches the receiver."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest
from alembic import command
from sqlalchemy.engine import make_url
from sqlmodel import func, select

from app.core.outbox import record_event
from app.core.secrets import encrypt_secret, generate_secret
from app.db import Database
from app.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.operations.service import alembic_config
from app.organizations.service import create_organization
from tests.conftest import TEST_SECRET, fresh_database_url, settings_for
from tests.webhooks.receiver import Receiver, running_receiver

EVENTS = 1000
DEADLINE_SECONDS = 120


@pytest.fixture
def crash_database_url(tmp_path: Path) -> Iterator[str]:
    for url in fresh_database_url(tmp_path):
        command.upgrade(alembic_config(url), "head")
        yield url


async def _seed(url: str, receiver_url: str) -> set[str]:
    database = Database(settings_for(url))
    try:
        async with database.transaction() as session:
            organization = await create_organization(session, "crash-test")
            session.add(
                WebhookEndpoint(
                    organization_id=organization.id,
                    url=receiver_url,
                    secret_encrypted=encrypt_secret(generate_secret(), database.settings),
                )
            )
        ids: set[str] = set()
        for batch in range(EVENTS // 100):
            async with database.transaction() as session:
                for index in range(100):
                    event = await record_event(
                        session,
                        organization_id=organization.id,
                        type="webhook.test",
                        aggregate_type="webhook_endpoint",
                        aggregate_id=organization.id,
                        data={"message": f"event {batch * 100 + index}"},
                    )
                    ids.add(str(event.id))
        return ids
    finally:
        await database.dispose()


async def _delivery_states(url: str) -> dict[DeliveryStatus, int]:
    database = Database(settings_for(url))
    try:
        async with database.transaction(write=False) as session:
            rows = await session.exec(
                select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
            )
            return dict(rows.all())
    finally:
        await database.dispose()


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HANDOVER_DATABASE_URL": url,
        "HANDOVER_SECRET_KEY": TEST_SECRET,
        "HANDOVER_WEBHOOK_ALLOW_HTTP": "true",
        "HANDOVER_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
        "HANDOVER_WEBHOOK_ALLOW_PUBLIC": "false",
        "HANDOVER_DISPATCHER_LEASE_SECONDS": "5",
        "HANDOVER_DISPATCHER_BATCH_SIZE": "25",
        "HANDOVER_DISPATCHER_POLL_SECONDS": "0.2",
        "HANDOVER_LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], env=env, stdout=output, stderr=output
        )


def _wait_for(receiver: Receiver, count: int, deadline: float, log: Path) -> None:
    while len({r.headers["webhook-id"] for r in receiver.received}) < count:
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.05)


@pytest.mark.slow
def test_killed_workers_lose_no_event(crash_database_url: str, tmp_path: Path) -> None:
    on_postgres = make_url(crash_database_url).get_backend_name() == "postgresql"
    log = tmp_path / "workers.log"
    with running_receiver() as receiver:
        receiver.delay_seconds = 0.003
        expected = asyncio.run(_seed(crash_database_url, receiver.url))
        deadline = time.monotonic() + DEADLINE_SECONDS
        # Two workers share the work on PostgreSQL; SQLite runs one dispatcher at a time.
        workers = [_worker(crash_database_url, log) for _ in range(2 if on_postgres else 1)]
        try:
            _wait_for(receiver, EVENTS // 4, deadline, log)
            victim = workers.pop(0)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            received_at_kill = len(receiver.received)
            workers.append(_worker(crash_database_url, log))
            _wait_for(receiver, EVENTS, deadline, log)
            # The victim's last batch may have reached the receiver without being recorded: it
            # is sent again once its lease expires. Done means recorded, not only received.
            while asyncio.run(_delivery_states(crash_database_url)) != {
                DeliveryStatus.succeeded: EVENTS
            }:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=30)
        delivered = {r.headers["webhook-id"] for r in receiver.received}
    assert received_at_kill < EVENTS, "the kill came too late to prove anything"
    assert delivered == expected  # every event, each one at least once
    states = asyncio.run(_delivery_states(crash_database_url))
    assert states == {DeliveryStatus.succeeded: EVENTS}
    assert all(UUID(event_id) for event_id in delivered)
