"""Sync tokens: a poller that keeps its last token gets every change after it, once a pass."""

import base64
import json
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from sqlalchemy import update
from sqlmodel import col, select
from starlette.requests import Request

from app.clock.sweep import sweep
from app.core import sync
from app.models import DeletedRow
from app.models.base import utcnow
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.risks.helpers import make_risk
from tests.tokens import with_spare_bits_set


async def _all_pages(tenant: Tenant, url: str, **params: Any) -> dict[str, Any]:
    """Every page of a listing or a pass, following `next_cursor`: items, tombstones, token."""
    items: list[dict[str, Any]] = []
    deleted: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await tenant.get(url, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        deleted += body["deleted"]
        if body["next_cursor"] is None:
            assert body["next_sync_token"] is not None
            return {"items": items, "deleted": deleted, "token": body["next_sync_token"]}
        assert body["next_sync_token"] is None
        cursor = body["next_cursor"]


async def test_a_pass_returns_what_was_created_and_updated_after_the_token(
    tenant: Tenant,
) -> None:
    before = await tenant.project(name="Before")
    listing = await _all_pages(tenant, "/v1/projects")
    assert before["id"] in {item["id"] for item in listing["items"]}

    created = await tenant.project(name="Created")
    response = await tenant.patch(
        f"/v1/projects/{before['id']}",
        json={"name": "Renamed"},
        headers={"If-Match": f'"{before["version"]}"'},
    )
    assert response.status_code == 200, response.text

    synced = await _all_pages(tenant, "/v1/projects", sync_token=listing["token"])
    assert {item["id"]: item["name"] for item in synced["items"]} == {
        before["id"]: "Renamed",
        created["id"]: "Created",
    }
    assert synced["deleted"] == []

    quiet = await _all_pages(tenant, "/v1/projects", sync_token=synced["token"])
    assert quiet["items"] == []
    assert quiet["deleted"] == []


async def test_a_deleted_risk_comes_back_as_a_tombstone_with_its_version(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    kept = await make_risk(tenant, project["id"])
    gone = await make_risk(tenant, project["id"], title="Vendor delay")
    url = f"/v1/projects/{project['id']}/risks"
    listing = await _all_pages(tenant, url)

    assert (await tenant.delete(f"/v1/risks/{gone['id']}")).status_code == 204

    synced = await _all_pages(tenant, url, sync_token=listing["token"])
    assert synced["items"] == []
    assert synced["deleted"] == [{"id": gone["id"], "version": gone["version"]}]
    assert kept["id"] not in {row["id"] for row in synced["deleted"]}
    async with tenant.database.transaction(write=False) as session:
        tombstone = await session.get(DeletedRow, ("risks", UUID(gone["id"])))
    assert tombstone is not None
    assert tombstone.organization_id == tenant.organization_id


async def test_a_pass_pages_rows_and_tombstones_with_next_cursor(tenant: Tenant) -> None:
    project = await tenant.project()
    doomed = [await make_risk(tenant, project["id"], title=f"Old {n}") for n in range(3)]
    url = f"/v1/projects/{project['id']}/risks"
    listing = await _all_pages(tenant, url, limit=2)
    assert len(listing["items"]) == 3

    created = [await make_risk(tenant, project["id"], title=f"New {n}") for n in range(5)]
    for risk in doomed:
        assert (await tenant.delete(f"/v1/risks/{risk['id']}")).status_code == 204

    first = await tenant.get(url, params={"sync_token": listing["token"], "limit": 2})
    assert first.status_code == 200
    assert first.json()["next_cursor"] is not None
    assert 'rel="next"' in first.headers["link"]
    assert "sync_token=" in first.headers["link"]
    synced = await _all_pages(tenant, url, sync_token=listing["token"], limit=2)
    assert [item["id"] for item in synced["items"]] == [risk["id"] for risk in created]
    assert sorted(row["id"] for row in synced["deleted"]) == sorted(r["id"] for r in doomed)


async def test_events_feed_gives_a_resume_point_and_keeps_its_type_filter(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    feed = await _all_pages(tenant, "/v1/events", type="risk.*")
    risk = await make_risk(tenant, project["id"])
    await tenant.project(name="Another")

    synced = await _all_pages(tenant, "/v1/events", type="risk.*", sync_token=feed["token"])
    assert [(e["type"], e["aggregate_id"]) for e in synced["items"]] == [
        ("risk.created", risk["id"])
    ]
    latest = await _all_pages(tenant, "/v1/events")
    assert (await _all_pages(tenant, "/v1/events", sync_token=latest["token"]))["items"] == []


async def test_another_lists_or_filters_token_is_a_400(tenant: Tenant) -> None:
    projects = await _all_pages(tenant, "/v1/projects")
    risks_only = await _all_pages(tenant, "/v1/events", type="risk.*")

    for url, params in (
        ("/v1/customers", {"sync_token": projects["token"]}),
        ("/v1/events", {"sync_token": risks_only["token"], "type": "milestone.*"}),
        ("/v1/events", {"sync_token": risks_only["token"]}),
        ("/v1/projects", {"sync_token": projects["token"] + "x"}),
        ("/v1/projects", {"sync_token": "not.a-token"}),
        ("/v1/projects", {"sync_token": with_spare_bits_set(projects["token"])}),
    ):
        problem = assert_problem(await tenant.get(url, params=params), 400, "invalid-sync-token")
        assert "sync token" in problem["detail"]


async def test_another_organizations_token_is_a_400(tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = await _all_pages(other_tenant, "/v1/projects")
    response = await tenant.get("/v1/projects", params={"sync_token": theirs["token"]})
    assert_problem(response, 400, "invalid-sync-token")


def _token_issued_days_ago(app: FastAPI, tenant: Tenant, token: str, days: float) -> str:
    """`token` as the app would have signed it `days` ago: what a client holds after a week
    away."""
    route = next(r for r in app.routes if getattr(r, "path", None) == "/v1/projects")
    scope = {"type": "http", "method": "GET", "path": "/v1/projects", "query_string": b""}
    request = Request({**scope, "headers": [], "route": route, "app": app})
    payload_text = token.split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(payload_text + "=" * (-len(payload_text) % 4)))
    issued = time.time() - days * 86400
    return sync.issue_token(
        request, app.state.settings, tenant.organization_id, payload["s"], issued
    )


async def test_a_token_older_than_the_retention_is_a_410_telling_to_resync(
    app: FastAPI, tenant: Tenant
) -> None:
    listing = await _all_pages(tenant, "/v1/projects")
    old = _token_issued_days_ago(app, tenant, listing["token"], 7.1)
    problem = assert_problem(
        await tenant.get("/v1/projects", params={"sync_token": old}), 410, "sync-token-expired"
    )
    assert "without `sync_token`" in problem["detail"]
    assert "7 days" in problem["detail"]

    recent = _token_issued_days_ago(app, tenant, listing["token"], 6.9)
    assert (await tenant.get("/v1/projects", params={"sync_token": recent})).status_code == 200


async def test_a_listing_cursor_is_not_a_sync_cursor(tenant: Tenant) -> None:
    for _ in range(3):
        await tenant.customer()
    listing = await _all_pages(tenant, "/v1/customers")
    page = await tenant.get("/v1/customers", params={"limit": 1})
    response = await tenant.get(
        "/v1/customers",
        params={"limit": 1, "sync_token": listing["token"], "cursor": page.json()["next_cursor"]},
    )
    assert_problem(response, 400, "invalid-cursor")


async def test_a_search_is_ranked_not_synced(tenant: Tenant) -> None:
    response = await tenant.get("/v1/lessons", params={"q": "vendor"})
    assert response.status_code == 200
    assert response.json()["next_sync_token"] is None
    listing = await _all_pages(tenant, "/v1/lessons")
    refused = await tenant.get(
        "/v1/lessons", params={"q": "vendor", "sync_token": listing["token"]}
    )
    assert_problem(refused, 400, "invalid-sync-token")


async def test_the_clock_forgets_deletions_older_than_the_retention(tenant: Tenant) -> None:
    project = await tenant.project()
    old, recent = await make_risk(tenant, project["id"]), await make_risk(tenant, project["id"])
    for risk in (old, recent):
        assert (await tenant.delete(f"/v1/risks/{risk['id']}")).status_code == 204
    retention = tenant.database.settings.sync_retention_days
    async with tenant.database.transaction() as session:
        await session.exec(
            update(DeletedRow)
            .where(col(DeletedRow.row_id) == UUID(old["id"]))
            .values(deleted_at=utcnow() - timedelta(days=retention, minutes=1))
        )

    await sweep(tenant.database)

    async with tenant.database.transaction(write=False) as session:
        kept = await session.exec(
            select(DeletedRow.row_id).where(DeletedRow.organization_id == tenant.organization_id)
        )
        assert list(kept) == [UUID(recent["id"])]
