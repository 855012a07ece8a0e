"""The change list PM tools poll (`GET /v1/projects?updated_since=…`), answered by the lean path
on PostgreSQL (app/fastpath/) exactly as the route answers it, page after page."""

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from fastapi import FastAPI
from sqlalchemy import text, update

from app.fastpath import list_item
from app.models import Project
from app.projects import service
from tests.factories import Tenant
from tests.fastpath.polls import comparable, side_by_side
from tests.replicas import replica


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
    await _awkward_project(tenant, customer["id"])
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
        "/v1/projects?limit=4",  # the awkward project is the one beyond the page
        "/v1/projects?limit=5",  # and the page's last
        f"/v1/projects?cursor={foreign_cursor}",
        "/v1/projects?cursor=garbage",
        "/v1/projects?limit=0",
        "/v1/projects?limit=two",
        "/v1/projects?limit=%D9%A3",  # an Arabic-Indic three
        "/v1/projects?limit=" + "9" * 5000,  # beyond what int() reads
        "/v1/projects?limit=+2",
        "/v1/projects?updated_since=2026-01-01T00:00:00",
        "/v1/projects?updated_since=2026-01-01",  # a date alone: the moment's one message
        "/v1/projects?updated_since=0.5",  # not a Unix timestamp
        "/v1/projects?updated_since=0001-01-01T00:00:00%2B23:59",  # before 1900 in UTC
        "/v1/projects?updated_since=2026-01-01T01:00:00%2B01:00",
        "/v1/projects?archived=true",
        "/v1/projects?phase=initiating&limit=1",
        "/v1/projects?limit=1&limit=2",
    ]
    for url in urls:
        lean, full = await side_by_side(database_url, tenant, url)
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


# What the JSON PostgreSQL writes for the lean page (app/fastpath/sql_json.py) must escape or format
# exactly as pydantic does: quotes, backslashes, control characters, text beyond ASCII and the
# BMP, a whole-second time (no fraction) and one a microsecond past it.
AWKWARD_NAME = 'Rollout "Nord" \\ Süd — 東京 😀 </script> ,{"id":"x'
AWKWARD_DESCRIPTION = "Line one\nline\ttwo\r\x01\x1b\x7f\u2028 ends"


async def _awkward_project(tenant: Tenant, customer_id: str) -> str:
    created = await tenant.project(
        name=AWKWARD_NAME,
        description=AWKWARD_DESCRIPTION,
        customer_id=customer_id,
        budget={"amount": "0", "currency": "USD"},
    )
    async with tenant.database.transaction() as session:
        await session.exec(
            update(Project)
            .where(Project.id == UUID(created["id"]))  # type: ignore[arg-type]
            .values(
                # stored before the API refused years before 1900 (docs/api.md)
                start_date=date(999, 1, 2),
                created_at=datetime(2026, 3, 1, 9, 30, 0, 1, tzinfo=UTC),
                updated_at=datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1),
            )
        )
    return str(created["id"])


async def test_the_plain_change_list_is_answered_ahead_of_the_route(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the lean path answers the plain change list itself: with the route's
    service broken, the pages still come, as the route gave them before."""
    if tenant.database.settings.is_sqlite:
        pytest.skip("the lean path is PostgreSQL's")
    customer = await tenant.customer()
    awkward = await _awkward_project(tenant, customer["id"])
    await tenant.project(customer_id=customer["id"])
    urls = [
        "/v1/projects",
        "/v1/projects?limit=1",
        "/v1/projects?updated_since=2026-01-01T00:00:00Z",
    ]
    through_the_route = {}
    async with replica(tenant.database.settings.database_url, lean_project_polls=False) as full:
        for url in urls:
            through_the_route[url] = comparable(await full.get(url, headers=tenant.headers()))

    async def broken(*_: object, **__: object) -> None:
        raise AssertionError("the route was reached")

    poller = await tenant.post(
        "/v1/api-keys", json={"name": "pm tool", "scopes": ["projects:read"]}
    )
    assert poller.status_code == 201, poller.text
    monkeypatch.setattr(service, "list_projects", broken)
    async with replica(tenant.database.settings.database_url) as lean:
        for url in urls:
            answer = await lean.get(url, headers=tenant.headers())
            assert comparable(answer) == through_the_route[url], url
        listed = (await lean.get("/v1/projects", headers=tenant.headers())).json()["items"]
        empty = await lean.get(
            "/v1/projects?updated_since=2100-01-01T00:00:00Z",
            headers=tenant.headers(poller.json()["key"]),
        )
    assert {**empty.json(), "next_sync_token": "?"} == {
        "items": [],
        "next_cursor": None,
        "deleted": [],
        "next_sync_token": "?",
    }
    assert empty.json()["next_sync_token"] is not None
    keys = (await tenant.get("/v1/api-keys")).json()["items"]
    (used,) = [key for key in keys if key["id"] == poller.json()["id"]]
    assert used["last_used_at"] is not None  # the lean answer noted the key's use
    (item,) = [item for item in listed if item["id"] == awkward]
    assert (item["name"], item["description"]) == (AWKWARD_NAME, AWKWARD_DESCRIPTION)
    assert item["created_at"] == "2026-03-01T09:30:00.000001Z"
    assert item["updated_at"].endswith("Z")
    assert "." not in item["updated_at"]  # a whole second: no fraction
    assert item["budget"] == {"amount": "0.00", "currency": "USD"}


async def test_postgresql_keeps_each_projects_item_as_it_would_write_it_now(tenant: Tenant) -> None:
    """The trigger keeps every project's item (app/fastpath/list_item.py) after inserts, updates
    through the API and the ORM, and an archive: each as the item would be written from the row
    today. It fails when the trigger is gone or when `ProjectPublic` changed without a migration
    that re-creates it."""
    if tenant.database.settings.is_sqlite:
        pytest.skip("PostgreSQL's trigger")
    customer = await tenant.customer()
    await _awkward_project(tenant, customer["id"])
    renamed = await tenant.project(customer_id=customer["id"])
    patched = await tenant.patch(f"/v1/projects/{renamed['id']}", json={"name": "Renamed"})
    assert patched.status_code == 200, patched.text
    archived = await tenant.project(customer_id=customer["id"])
    assert (await tenant.delete(f"/v1/projects/{archived['id']}")).status_code == 204
    statement = text(
        f"SELECT p.name, p.{list_item.COLUMN} AS kept, {list_item.item_sql('p')} AS written "  # noqa: S608
        "FROM projects AS p WHERE p.organization_id = :organization"
    )
    async with tenant.database.transaction(write=False) as session:
        rows = (
            await session.exec(statement, params={"organization": tenant.organization_id})
        ).all()  # type: ignore[call-overload]
    assert len(rows) == 3
    assert "Renamed" in {row.name for row in rows}
    for row in rows:
        assert row.kept is not None, row.name
        assert row.kept == row.written, row.name


async def test_the_lean_change_list_is_planned_for_each_polls_arguments(
    tenant: Tenant, app: FastAPI
) -> None:
    """Its statement runs on the pool that plans every call (app/fastpath/pools.py): polled
    more often than PostgreSQL needs to settle on one generic plan, each poll was still planned
    for its own arguments, so a poll for the last minute's changes is not served by the plan of
    a page of everything."""
    if tenant.database.settings.is_sqlite:
        pytest.skip("the lean path is PostgreSQL's")
    await tenant.project()
    for _ in range(8):
        answer = await tenant.get("/v1/projects?updated_since=2026-01-01T00:00:00Z")
        assert answer.status_code == 200, answer.text
    pool = await app.state.lean_pools.get(planned_per_call=True)
    held = [await pool.acquire() for _ in range(pool.get_idle_size())]  # all of its connections
    try:
        planned = [
            (
                await connection.fetchval("SHOW plan_cache_mode"),
                await connection.fetchval(
                    "SELECT coalesce(sum(custom_plans), 0) FROM pg_prepared_statements "
                    "WHERE statement LIKE '%string_agg(item%'"
                ),
            )
            for connection in held
        ]
    finally:
        for connection in held:
            await pool.release(connection)
    assert sum(custom for _, custom in planned) >= 8
    assert {mode for mode, custom in planned if custom} == {"force_custom_plan"}
