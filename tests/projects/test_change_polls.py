"""The change list PM tools poll (`GET /v1/projects?updated_since=…`), answered by the lean path
on PostgreSQL (app/projects/polling.py) exactly as the route answers it, page after page."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import Tenant
from tests.projects.polls import comparable
from tests.replicas import replica


async def _both(database_url: str, tenant: Tenant, url: str) -> tuple[Any, Any]:
    async with (
        replica(database_url) as lean,
        replica(database_url, lean_project_polls=False) as full,
    ):
        return (
            comparable(await lean.get(url, headers=tenant.headers())),
            comparable(await full.get(url, headers=tenant.headers())),
        )


async def test_the_lean_change_list_answers_exactly_as_the_route(
    tenant: Tenant, other_tenant: Tenant, database_url: str
) -> None:
    before = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    customer = await tenant.customer()
    for number in range(3):
        await tenant.project(name=f"Rollout {number}", customer_id=customer["id"])
    await tenant.project(
        budget={"amount": "1250.50", "currency": "EUR"}, customer_id=customer["id"]
    )
    archived = await tenant.project(customer_id=customer["id"])
    assert (await tenant.delete(f"/v1/projects/{archived['id']}")).status_code == 204
    await other_tenant.project()
    await other_tenant.project()
    first = await tenant.get("/v1/projects?limit=2")
    cursor = first.json()["next_cursor"]
    foreign_cursor = (await other_tenant.get("/v1/projects?limit=1")).json()["next_cursor"]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    urls = [
        "/v1/projects",
        f"/v1/projects?updated_since={before.replace('+00:00', 'Z')}",
        f"/v1/projects?updated_since={before.replace('+', '%2B')}&limit=2",
        f"/v1/projects?limit=2&cursor={cursor}",
        f"/v1/projects?updated_since={future.replace('+', '%2B')}",
        "/v1/projects?limit=500",
        f"/v1/projects?cursor={foreign_cursor}",
        "/v1/projects?cursor=garbage",
        "/v1/projects?limit=0",
        "/v1/projects?limit=two",
        "/v1/projects?limit=%D9%A3",  # an Arabic-Indic three
        "/v1/projects?limit=+2",
        "/v1/projects?updated_since=2026-01-01T00:00:00",
        "/v1/projects?archived=true",
        "/v1/projects?phase=initiating&limit=1",
        "/v1/projects?limit=1&limit=2",
    ]
    for url in urls:
        lean, full = await _both(database_url, tenant, url)
        assert lean == full, url
    page = (await tenant.get("/v1/projects?limit=2")).json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]


async def test_the_change_list_pages_to_the_end_with_no_project_twice(tenant: Tenant) -> None:
    customer = await tenant.customer()
    created = {(await tenant.project(customer_id=customer["id"]))["id"] for _ in range(5)}
    seen: list[str] = []
    url: str | None = "/v1/projects?limit=2"
    while url is not None:
        response = await tenant.get(url)
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        link = response.headers.get("link")
        url = (
            link.split(">")[0].removeprefix("<").removeprefix("http://handover.test")
            if link
            else None
        )
    assert created <= set(seen)
    assert len(seen) == len(set(seen))
