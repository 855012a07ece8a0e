"""Probes, metrics and request ids."""

import re

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.conftest import close_app
from tests.factories import Tenant
from tests.statements import count_statements
from tests.webhooks.api_helpers import ENDPOINTS, make_endpoint


async def test_healthz_answers_without_a_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_database_and_migrations(
    client: httpx.AsyncClient, database: Database
) -> None:
    ready = await client.get("/readyz")
    assert ready.json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "head",
        "rate_limit_storage": "memory",
    }
    async with database.transaction() as session:
        current = (await session.exec(text("SELECT version_num FROM alembic_version"))).one()[0]  # type: ignore[call-overload]
        await session.exec(text("UPDATE alembic_version SET version_num = 'older'"))  # type: ignore[call-overload]
    try:
        behind = await client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["migrations"] == "pending"
    finally:
        async with database.transaction() as session:
            await session.exec(
                text("UPDATE alembic_version SET version_num = :v").bindparams(v=current)  # type: ignore[call-overload]
            )


async def test_metrics_count_requests_by_route(tenant: Tenant) -> None:
    await tenant.get("/v1/projects")
    response = await tenant.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'handover_http_requests_total{method="GET",route="/v1/projects",status="200"}' in (
        response.text
    )


async def _pending_on(app_settings: Settings) -> tuple[float, list[str]]:
    """The backlog's pending count a scrape of a new app reports, twice: what the second scrape
    reports, and the statements it sent."""
    app = create_app(app_settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/metrics")
            with count_statements(app.state.database) as statements:
                scraped = (await client.get("/metrics")).text
    finally:
        await close_app(app)
    found = re.search(r"^handover_webhook_deliveries_pending (\S+)$", scraped, re.MULTILINE)
    assert found is not None
    return float(found[1]), statements


async def test_metrics_read_the_webhook_backlog_at_most_so_often(
    tenant: Tenant, settings: Settings
) -> None:
    """`/metrics` needs no key: however often it is asked, the backlog is counted at most every
    `HANDOVER_METRICS_BACKLOG_SECONDS`."""
    endpoint = await make_endpoint(tenant)
    fresh = settings.model_copy(update={"metrics_backlog_seconds": 0})
    before, statements = await _pending_on(fresh)
    assert statements, "a backlog read as old as it may be is read again"
    assert (await tenant.post(f"{ENDPOINTS}/{endpoint['id']}/test")).status_code == 202

    kept = settings.model_copy(update={"metrics_backlog_seconds": 300})
    assert await _pending_on(kept) == (before + 1, [])  # read once, then the same numbers
    assert (await _pending_on(fresh))[0] == before + 1


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [("abc-123", True), ("bad id with spaces", False), ("x" * 200, False)],
)
async def test_request_id_is_echoed_when_sane(
    client: httpx.AsyncClient, sent: str, echoed: bool
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": sent})
    assert (response.headers["x-request-id"] == sent) is echoed
    assert 1 <= len(response.headers["x-request-id"]) <= 128


async def test_every_response_gets_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/v1/nothing")
    second = await client.get("/v1/nothing")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    assert first.json()["request_id"] == first.headers["x-request-id"]
