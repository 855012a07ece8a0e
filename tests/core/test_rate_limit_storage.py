"""When the rate limits' Redis does not answer: every limit still counts, in each process's
memory, instead of every request failing; `/readyz` says so, and the metrics count it.

Redis is "down" as a closed local port (refused at once) or as a local server that accepts and
never answers (each request would wait for it).
"""

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.core.auth import Scope
from app.core.ratelimit import RETRY_SECONDS
from tests.crm.samples import canonical_deal, connection, dumps, signed_generic
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.replicas import SHARED_REDIS, replica
from tests.share.helpers import open_and_post, share


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it once the socket is closed


@asynccontextmanager
async def _silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never answers on them."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(1024):
            pass
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


def _fallbacks(metrics: str) -> float:
    for line in metrics.splitlines():
        if line.startswith("handover_rate_limit_fallbacks_total "):
            return float(line.split()[1])
    return 0.0


async def test_with_redis_refusing_requests_are_served_and_still_limited(
    tenant: Tenant, database_url: str
) -> None:
    down = {"rate_limit_storage": f"redis://127.0.0.1:{_closed_port()}", "rate_limit": "3/minute"}
    async with replica(database_url, dispatcher_enabled=False, **down) as client:
        before = _fallbacks((await client.get("/metrics")).text)
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "degraded",
            "database": "ok",
            "migrations": "head",
            "rate_limit_storage": "unreachable",
        }
        for remaining in (2, 1, 0):
            answered = await client.get("/v1/members", headers=tenant.headers())
            assert answered.status_code == 200, answered.text
            assert answered.headers["RateLimit"].startswith(f'"per-key";r={remaining};')
        refused = await client.get("/v1/members", headers=tenant.headers())
        assert_problem(refused, 429, "rate-limited")
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert_problem(await client.get("/v1/members"), 401)
        assert _fallbacks((await client.get("/metrics")).text) >= before + 5


async def test_with_redis_refusing_crm_pushes_and_share_answers_are_accepted(
    tenant: Tenant, database_url: str
) -> None:
    crm = await connection(tenant, "generic")
    project = await tenant.project()
    link = await share(tenant, project["id"])
    down = {"rate_limit_storage": f"redis://127.0.0.1:{_closed_port()}"}
    async with replica(database_url, dispatcher_enabled=False, **down) as client:
        body = dumps(canonical_deal("D-REDIS-DOWN"))
        pushed = await client.post(
            crm["path"], content=body, headers=signed_generic(crm["secret"], body)
        )
        assert pushed.status_code == 202, pushed.text
        answer = {"category": "timeline", "sentiment": "positive", "text": "On track"}
        assert (await open_and_post(client, link, "feedback", answer)).status_code == 303


async def test_a_redis_that_never_answers_costs_a_request_at_most_its_timeout(
    tenant: Tenant, database_url: str
) -> None:
    async with _silent_server() as port:
        silent = {
            "rate_limit_storage": f"redis://127.0.0.1:{port}",
            "rate_limit_storage_timeout_seconds": 0.2,
        }
        async with replica(database_url, dispatcher_enabled=False, **silent) as client:
            started = time.monotonic()
            async with asyncio.timeout(20):  # without the timeout, the request waits forever
                answers = [
                    await client.get("/v1/members", headers=tenant.headers()) for _ in range(5)
                ]
                ready = await client.get("/readyz")
            elapsed = time.monotonic() - started
    assert [answer.status_code for answer in answers] == [200] * 5
    assert ready.json()["rate_limit_storage"] == "unreachable"
    # The first request waits for Redis; the next ones count in memory at once, until the
    # storage is tried again (5 s later).
    assert elapsed < 5, elapsed


async def test_readiness_reports_a_redis_that_answers(database_url: str) -> None:
    async with replica(database_url, **SHARED_REDIS) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["rate_limit_storage"] == "ok"
    assert ready.json()["status"] == "ok"


async def test_without_redis_a_readiness_probe_needs_no_storage(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).json()["rate_limit_storage"] == "memory"


@asynccontextmanager
async def _switchable_redis() -> AsyncIterator[tuple[int, list[bool]]]:
    """A port in front of the test Redis: while `up[0]` is false it hangs up on every new
    connection, as a Redis that is down; once true, it passes bytes both ways."""
    up = [False]

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not up[0]:
            writer.close()
            return
        redis_reader, redis_writer = await asyncio.open_connection("127.0.0.1", 6379)
        await asyncio.gather(pipe(reader, redis_writer), pipe(redis_reader, writer))

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], up
    finally:
        server.close()


async def test_once_redis_answers_again_the_replicas_share_one_count_again(
    tenant: Tenant, database_url: str
) -> None:
    key = await tenant.key_with(Scope.members_read)  # a new key: a count of its own in Redis
    async with _switchable_redis() as (port, up):
        limits = {"rate_limit": "2/minute", "dispatcher_enabled": False}
        switchable = {**SHARED_REDIS, "rate_limit_storage": f"redis://127.0.0.1:{port}"}
        async with (
            replica(database_url, **switchable, **limits) as cut,
            replica(database_url, **SHARED_REDIS, **limits) as whole,
        ):
            alone = await cut.get("/v1/members", headers=tenant.headers(key))
            assert alone.status_code == 200  # counted in the process's memory
            up[0] = True
            await asyncio.sleep(RETRY_SECONDS + 0.5)
            assert (await cut.get("/readyz")).json()["status"] == "ok"
            for _ in range(2):
                answered = await whole.get("/v1/members", headers=tenant.headers(key))
                assert answered.status_code == 200
            # In its own memory the key has one request left; in Redis none.
            assert_problem(await cut.get("/v1/members", headers=tenant.headers(key)), 429)
