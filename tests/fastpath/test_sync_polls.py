"""A sync pass's first page (`GET /v1/projects?sync_token=…`), answered by the lean path on
PostgreSQL (app/fastpath/changes.py) exactly as the route answers it: the changed projects, the
tombstones of deleted ones, the next cursor and the next token."""

from uuid import UUID

import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from app.models import Project
from app.projects import service
from tests.core.test_sync import _token_issued_days_ago
from tests.factories import Tenant
from tests.fastpath.polls import comparable, side_by_side
from tests.replicas import replica


async def _delete_for_good(tenant: Tenant, project_id: str) -> None:
    """Gone from the table (an archive only hides it): the database writes its tombstone."""
    async with tenant.database.transaction() as session:
        await session.exec(delete(Project).where(Project.id == UUID(project_id)))  # type: ignore[call-overload]


async def _token(tenant: Tenant) -> str:
    listing = await tenant.get("/v1/projects?limit=200")
    assert listing.status_code == 200, listing.text
    token: str = listing.json()["next_sync_token"]
    return token


async def test_the_lean_sync_pass_answers_exactly_as_the_route(
    app: FastAPI, tenant: Tenant, other_tenant: Tenant, database_url: str
) -> None:
    customer = await tenant.customer()
    kept = [await tenant.project(name=f"Kept {n}", customer_id=customer["id"]) for n in range(3)]
    doomed = [await tenant.project(customer_id=customer["id"]) for _ in range(3)]
    token = await _token(tenant)
    quiet = await side_by_side(database_url, tenant, f"/v1/projects?sync_token={token}")
    assert quiet[0] == quiet[1]
    await tenant.project(name="Created", customer_id=customer["id"])
    await tenant.project(budget={"amount": "10.5", "currency": "EUR"}, customer_id=customer["id"])
    renamed = await tenant.patch(f"/v1/projects/{kept[0]['id']}", json={"name": 'Re "named"'})
    assert renamed.status_code == 200, renamed.text
    assert (await tenant.delete(f"/v1/projects/{kept[1]['id']}")).status_code == 204  # archived
    for project in doomed:
        await _delete_for_good(tenant, project["id"])
    theirs = await _token(other_tenant)
    old = _token_issued_days_ago(app, tenant, token, 7.1)
    customers = (await tenant.get("/v1/customers")).json()["next_sync_token"]
    urls = [
        f"/v1/projects?sync_token={token}",
        f"/v1/projects?sync_token={token}&limit=2",  # more rows and tombstones than the page
        f"/v1/projects?sync_token={token}&limit=3",  # the tombstones fill it exactly
        f"/v1/projects?limit=4&sync_token={token}",
        f"/v1/projects?sync_token={token}&limit=500",
        f"/v1/projects?sync_token={token}&limit=0",
        f"/v1/projects?sync_token={token}&limit=two",
        f"/v1/projects?sync_token={token}x",
        f"/v1/projects?sync_token={theirs}",
        f"/v1/projects?sync_token={old}",
        f"/v1/projects?sync_token={customers}",
        "/v1/projects?sync_token=not.a-token",
        "/v1/projects?sync_token=bm90IGpzb24.c2ln",
        "/v1/projects?sync_token=eyJzIjoiMTo5OnRlbiIsInQiOjF9.c2ln",  # a snapshot of no kind
        f"/v1/projects?sync_token={token}&sync_token={token}",
        f"/v1/projects?sync_token={token}&phase=initiating",
        f"/v1/projects?sync_token={token}&updated_since=2026-01-01T00:00:00Z",
    ]
    for url in urls:
        lean, full = await side_by_side(database_url, tenant, url)
        assert lean == full, url
    first = (await tenant.get(f"/v1/projects?sync_token={token}&limit=2")).json()
    assert first["next_cursor"] is not None
    whole = (await tenant.get(f"/v1/projects?sync_token={token}")).json()
    assert {item["name"] for item in whole["items"]} >= {"Created", 'Re "named"'}
    assert {tombstone["id"] for tombstone in whole["deleted"]} == {p["id"] for p in doomed}
    assert all(tombstone["version"] is not None for tombstone in whole["deleted"])


async def test_the_next_token_of_either_is_the_others(tenant: Tenant, database_url: str) -> None:
    """The lean pass's next token starts the route's next pass, and the route's the lean one's:
    what changes after either pass is in the next, and nothing twice."""
    await tenant.project()
    token = await _token(tenant)
    tokens = {}
    async with (
        replica(database_url) as lean,
        replica(database_url, lean_project_polls=False) as full,
    ):
        for name, client in (("lean", lean), ("full", full)):
            answer = await client.get(f"/v1/projects?sync_token={token}", headers=tenant.headers())
            tokens[name] = answer.json()["next_sync_token"]
        changed = await tenant.project(name="After both passes")
        for first, then in ((lean, "full"), (full, "lean")):
            url = f"/v1/projects?sync_token={tokens[then]}"
            page = (await first.get(url, headers=tenant.headers())).json()
            assert [item["id"] for item in page["items"]] == [changed["id"]]
            assert page["deleted"] == []


async def test_the_sync_pass_is_answered_ahead_of_the_route(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the lean path answers a pass's first page itself: with the route's service
    broken, the page still comes, as the route gave it; a pass's later pages go to the route."""
    if tenant.database.settings.is_sqlite:
        pytest.skip("the lean path is PostgreSQL's")
    doomed = await tenant.project()
    token = await _token(tenant)
    await tenant.project(name="Changed")
    await tenant.project(name="Changed too")
    await _delete_for_good(tenant, doomed["id"])
    url = f"/v1/projects?sync_token={token}"
    async with replica(tenant.database.settings.database_url, lean_project_polls=False) as full:
        through_the_route = comparable(await full.get(url, headers=tenant.headers()))

    async def broken(*_: object, **__: object) -> None:
        raise AssertionError("the route was reached")

    monkeypatch.setattr(service, "list_projects", broken)
    async with replica(tenant.database.settings.database_url) as lean:
        answer = await lean.get(url, headers=tenant.headers())
        assert comparable(answer) == through_the_route
        assert [tombstone["id"] for tombstone in answer.json()["deleted"]] == [doomed["id"]]
        first = (await lean.get(url + "&limit=1", headers=tenant.headers())).json()
        assert first["next_cursor"] is not None
        with pytest.raises(AssertionError, match="the route was reached"):
            await lean.get(f"{url}&limit=1&cursor={first['next_cursor']}", headers=tenant.headers())
