"""Probes, metrics and request ids."""

import httpx
import pytest
from sqlalchemy import text

from app.db import Database
from tests.factories import Tenant


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
