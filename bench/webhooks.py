"""Webhook delivery throughput: the dispatcher (1 and 2 workers) next to a plain httpx loop.

    python -m bench.webhooks [--deliveries 2000] [--endpoints 5] [--database-url postgresql://…]

Everything runs on 127.0.0.1 and stops by itself: a uvicorn receiver (one path per endpoint), the
seeded database, and, alternating, (a) a plain httpx loop posting the same stored bodies to the
same endpoints — once one at a time, once with the dispatcher's concurrency — and (b) `handover
worker` processes draining the same number of pending deliveries. Printed: deliveries per second
and the ratios. `python -m bench` runs the same measure as its scenario 5
(`fan_out_scenario`).
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx
import uvloop
from alembic import command
from sqlalchemy import func, update
from sqlalchemy.engine import make_url
from sqlmodel import select

from app.core.outbox import record_event
from app.core.secrets import encrypt_secret, generate_secret
from app.db import Database
from app.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.operations.service import alembic_config
from app.organizations.service import create_organization
from app.settings import Settings
from app.webhooks.sending import signed_headers
from bench import servers
from bench.support import drop_database, free_port, fresh_database

SECRET = "bench-secret-key-0123456789-0123456789-abcdef"
CONCURRENCY = 20


def _settings(url: str) -> Settings:
    return Settings(database_url=url, secret_key=SECRET, log_level="WARNING")


async def _seed(url: str, receiver_urls: list[str], events: int) -> None:
    """An organization with one endpoint per URL and `events` events: a delivery for each pair."""
    database = Database(_settings(url))
    try:
        async with database.transaction() as session:
            organization = await create_organization(session, f"bench-{uuid.uuid4().hex[:8]}")
            for receiver_url in receiver_urls:
                session.add(
                    WebhookEndpoint(
                        organization_id=organization.id,
                        url=receiver_url,
                        secret_encrypted=encrypt_secret(generate_secret(), database.settings),
                    )
                )
        for first in range(0, events, 500):
            async with database.transaction() as session:
                for _ in range(min(500, events - first)):
                    await record_event(
                        session,
                        organization_id=organization.id,
                        type="webhook.test",
                        aggregate_type="webhook_endpoint",
                        aggregate_id=organization.id,
                        data={"message": "benchmark " + "x" * 200},
                    )
    finally:
        await database.dispose()


async def _bodies(url: str) -> list[tuple[str, str, bytes]]:
    """Every delivery as (endpoint URL, event id, stored body): what the plain loop posts."""
    database = Database(_settings(url))
    try:
        async with database.transaction(write=False) as session:
            rows = await session.exec(
                select(WebhookEndpoint.url, Event.id, Event.payload)
                .join(WebhookDelivery, WebhookDelivery.event_id == Event.id)  # type: ignore[arg-type]
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)  # type: ignore[arg-type]
            )
            return [(target, str(event_id), payload) for target, event_id, payload in rows.all()]
    finally:
        await database.dispose()


async def _set_all(database: Database, status: DeliveryStatus) -> None:
    """Park every delivery (`succeeded`) or release them all, due now (`pending`)."""
    async with database.transaction() as session:
        await session.exec(
            update(WebhookDelivery).values(
                status=status,
                attempt_count=0,
                lease_until=None,
                next_attempt_at=utcnow(),
                completed_at=None,
            )
        )


async def _pending(database: Database) -> int:
    async with database.transaction(write=False) as session:
        found = await session.exec(
            select(func.count()).where(WebhookDelivery.status == DeliveryStatus.pending)
        )
        return int(found.one())


async def plain_loop(bodies: list[tuple[str, str, bytes]], parallel: int) -> float:
    """Post the same signed bodies with httpx, `parallel` at a time; seconds taken."""
    secret = generate_secret()
    gate = asyncio.Semaphore(parallel)
    async with httpx.AsyncClient(timeout=10) as client:

        async def post(target: str, event_id: str, body: bytes) -> None:
            async with gate:
                response = await client.post(
                    target, content=body, headers=signed_headers(event_id, body, [secret])
                )
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(post(*delivery) for delivery in bodies))
        return time.perf_counter() - started


async def workers(url: str, count: int) -> float:
    """Boot `count` workers on a parked backlog, release it, time until it is drained."""
    env = {
        **os.environ,
        "HANDOVER_DATABASE_URL": url,
        "HANDOVER_SECRET_KEY": SECRET,
        "HANDOVER_WEBHOOK_ALLOW_HTTP": "true",
        "HANDOVER_WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
        "HANDOVER_WEBHOOK_ALLOW_PUBLIC": "false",
        "HANDOVER_DISPATCHER_CONCURRENCY": str(CONCURRENCY),
        "HANDOVER_DISPATCHER_POLL_SECONDS": "0.05",
        "HANDOVER_LOG_LEVEL": "WARNING",
    }
    database = Database(_settings(url))
    await _set_all(database, DeliveryStatus.succeeded)
    processes = [
        # --no-clock: the clock would raise the seeded projects' missed milestones as events,
        # and their deliveries would be timed as part of this backlog
        subprocess.Popen([sys.executable, "-m", "app.cli", "worker", "--no-clock"], env=env)
        for _ in range(count)
    ]
    try:
        await asyncio.sleep(4)  # imports and first polls: not part of the measure
        started = time.perf_counter()
        await _set_all(database, DeliveryStatus.pending)
        deadline = time.monotonic() + 600
        while await _pending(database) > 0:
            if time.monotonic() > deadline:
                raise SystemExit("workers did not finish within 10 minutes")
            await asyncio.sleep(0.02)
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
        await database.dispose()


def start_receiver() -> tuple[subprocess.Popen[bytes], str]:
    """The receiver (uvicorn, one process) and its base URL."""
    port = free_port()
    receiver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.receiver:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.post(f"{base}/hooks", content=b"{}", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return receiver, base


def _on_uvloop(timed: Coroutine[Any, Any, float]) -> float:
    """The plain loop on the event loop the workers run on (app/cli.py `worker`)."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(timed)


def measure(
    url: str, receiver_base: str, *, events: int, endpoints: int, rounds: int, concurrency: int
) -> tuple[int, dict[str, float]]:
    """Seed `events` × `endpoints` deliveries, then time each contender `rounds` times,
    alternating; the number of deliveries and the best deliveries/s of each contender."""
    global CONCURRENCY
    CONCURRENCY = concurrency
    targets = [f"{receiver_base}/hooks/{n}" for n in range(endpoints)]
    asyncio.run(_seed(url, targets, events))
    bodies = asyncio.run(_bodies(url))
    total = len(bodies)
    multi_worker = 2 if make_url(url).get_backend_name() == "postgresql" else 1
    results: dict[str, list[float]] = {}
    for _ in range(rounds):  # alternate contenders so that drift hits all of them
        for name, run in [
            ("plain httpx loop, 1 at a time", lambda: _on_uvloop(plain_loop(bodies, 1))),
            (
                f"plain httpx loop, {concurrency} at a time",
                lambda: _on_uvloop(plain_loop(bodies, concurrency)),
            ),
            ("dispatcher, 1 worker", lambda: asyncio.run(workers(url, 1))),
            (
                f"dispatcher, {multi_worker} workers",
                lambda: asyncio.run(workers(url, multi_worker)),
            ),
        ]:
            results.setdefault(name, []).append(total / run())
    return total, {name: max(rates) for name, rates in results.items()}


def fan_out_scenario(
    server_url: str, *, events: int, endpoints: int, rounds: int, concurrency: int
) -> dict[str, Any]:
    """Scenario 5 of `python -m bench`: the measure above against a receiver and a database of
    its own, one worker judged against the plain loop with the dispatcher's concurrency.

    Not on the API scenarios' database: scenario 4 leaves thousands of kept CRM pushes there,
    and the timed worker would plan them (and deliver their events) while it drains the
    backlog, so its rate would be the CRM worker's as much as the dispatcher's."""
    url = fresh_database(server_url)
    receiver, receiver_base = start_receiver()
    try:
        command.upgrade(alembic_config(url), "head")
        total, best = measure(
            url,
            receiver_base,
            events=events,
            endpoints=endpoints,
            rounds=rounds,
            concurrency=concurrency,
        )
    finally:
        servers.stop(receiver)
        drop_database(server_url, url)
    plain = best[f"plain httpx loop, {concurrency} at a time"]
    one = best["dispatcher, 1 worker"]
    return {
        "scenario": f"5. webhook fan-out: {events:,} events × {endpoints} endpoints",
        "unit": "deliveries/s",
        "deliveries": total,
        "rates": {name: round(rate, 1) for name, rate in best.items()},
        "floor": f"plain httpx loop, {concurrency} at a time",
        "ratio": round(one / plain, 3),
        "ratio_two_workers": round(
            max(rate for name, rate in best.items() if name.startswith("dispatcher, ")) / plain, 3
        ),
        "target": "≥ 0.50 (one worker)",
        "holds": one / plain >= 0.50,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=1)
    parser.add_argument("--database-url", default=os.environ.get("HANDOVER_BENCH_DATABASE_URL"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--concurrency", type=int, default=2, help="requests in flight (2 suits 2 cores)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="handover-bench-"))
    server_url = args.database_url
    url = fresh_database(server_url) if server_url else f"sqlite:///{folder / 'bench.db'}"
    command.upgrade(alembic_config(url), "head")
    receiver, receiver_base = start_receiver()
    try:
        total, best = measure(
            url,
            receiver_base,
            events=max(1, args.deliveries // args.endpoints),
            endpoints=args.endpoints,
            rounds=args.rounds,
            concurrency=args.concurrency,
        )
        print(
            f"{total} deliveries to a local receiver, database {make_url(url).get_backend_name()}, best of {args.rounds}"
        )
        floor = best["plain httpx loop, 1 at a time"]
        for name, rate in best.items():
            print(
                f"  {name:<34} {rate:8.0f} deliveries/s   ratio to the plain loop {rate / floor:5.2f}"
            )
    finally:
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=10)
        if server_url:
            drop_database(server_url, url)


if __name__ == "__main__":
    main()
