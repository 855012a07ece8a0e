"""A risk's history of score and status, and the lists a manager reviews: by score, by status,
by overdue review, per project and across the organization."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.core.auth import Scope, hash_key
from app.models import ApiKey
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.risks.helpers import make_risk, stored_changes


def _today() -> datetime:
    return datetime.now(UTC)


def _days_from_today(days: int) -> str:
    return (_today().date() + timedelta(days=days)).isoformat()


async def _ids(tenant: Tenant, url: str, **params: Any) -> list[str]:
    response = await tenant.get(url, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def _key_id(tenant: Tenant, secret: str) -> str:
    async with tenant.database.transaction(write=False) as session:
        key = (await session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))).one()
        return str(key.id)


async def test_history_keeps_each_change_of_score_and_status(tenant: Tenant) -> None:
    project = await tenant.project()
    writer = await tenant.key_with(Scope.projects_write, Scope.projects_read)
    headers = tenant.headers(writer)
    created = await tenant.post(
        f"/v1/projects/{project['id']}/risks",
        json={
            "title": "Vendor API deprecation",
            "category": "technical",
            "probability": 2,
            "impact": 3,
            "response": "accept",
        },
        headers=headers,
    )
    url = f"/v1/risks/{created.json()['id']}"
    await tenant.patch(url, json={"impact": 5}, headers=headers)
    await tenant.patch(url, json={"status": "mitigating", "probability": 4}, headers=headers)
    await tenant.patch(url, json={"status": "closed"})

    response = await tenant.get(f"{url}/history")
    assert response.status_code == 200, response.text
    history = response.json()["items"]
    assert [
        (row["probability"], row["impact"], row["score"], row["status"]) for row in history
    ] == [
        (2, 3, 6, "open"),
        (2, 5, 10, "open"),
        (4, 5, 20, "mitigating"),
        (4, 5, 20, "closed"),
    ]
    assert [row["band"] for row in history] == ["medium", "high", "critical", "critical"]
    writer_id = await _key_id(tenant, writer)
    assert [row["changed_by_api_key_id"] for row in history[:3]] == [writer_id] * 3
    assert history[3]["changed_by_api_key_id"] == await _key_id(tenant, tenant.key)
    changed_at = [row["changed_at"] for row in history]
    assert changed_at == sorted(changed_at)
    assert response.json()["next_cursor"] is None


async def test_text_only_edits_leave_the_history_alone(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    owner = await tenant.member()
    url = f"/v1/risks/{risk['id']}"
    edits = [
        {"title": "Renamed", "description": "More detail"},
        {"response": "mitigate", "mitigation_plan": "Weekly check", "contingency_plan": "Swap"},
        {"owner_id": owner["id"], "review_date": "2027-01-15", "category": "schedule"},
        {"probability": 2, "impact": 3, "status": "open"},  # the current values: no change
    ]
    for edit in edits:
        assert (await tenant.patch(url, json=edit)).status_code == 200
    assert len(await stored_changes(tenant, risk["id"])) == 1
    assert len((await tenant.get(f"{url}/history")).json()["items"]) == 1


async def test_a_patch_that_changes_nothing_keeps_the_version(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"])
    url, project_url = f"/v1/risks/{risk['id']}", f"/v1/projects/{project['id']}"
    project_before = (await tenant.get(project_url)).json()
    for body in ({}, {"title": risk["title"], "impact": risk["impact"]}):
        response = await tenant.patch(url, json=body)
        assert response.status_code == 200
        assert response.json() == risk
        assert response.headers["ETag"] == '"1"'
    assert (await tenant.get(url)).json() == risk
    assert (await tenant.get(project_url)).json() == project_before


async def test_history_is_paginated_oldest_first(tenant: Tenant) -> None:
    project = await tenant.project()
    risk = await make_risk(tenant, project["id"], probability=1, impact=1)
    url = f"/v1/risks/{risk['id']}"
    for impact in (2, 3, 4):
        await tenant.patch(url, json={"impact": impact})
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        response = await tenant.get(f"{url}/history", params=params)
        assert response.status_code == 200, response.text
        seen += [row["impact"] for row in response.json()["items"]]
        if response.json()["next_cursor"] is None:
            break
        assert 'rel="next"' in response.headers["Link"]
        params = {"limit": 3, "cursor": response.json()["next_cursor"]}
    assert seen == [1, 2, 3, 4]
    other = await make_risk(tenant, project["id"])
    stolen = await tenant.get(f"/v1/risks/{other['id']}/history", params={"cursor": "x.y"})
    assert_problem(stolen, 400, "invalid-cursor")


async def test_list_filters_by_score_range(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/risks"
    low = await make_risk(tenant, project["id"], probability=1, impact=4)
    medium = await make_risk(tenant, project["id"], probability=3, impact=3)
    high = await make_risk(tenant, project["id"], probability=2, impact=5)
    critical = await make_risk(tenant, project["id"], probability=5, impact=5)
    assert await _ids(tenant, url) == [low["id"], medium["id"], high["id"], critical["id"]]
    assert await _ids(tenant, url, min_score=10) == [high["id"], critical["id"]]
    assert await _ids(tenant, url, max_score=9) == [low["id"], medium["id"]]
    assert await _ids(tenant, url, min_score=9, max_score=10) == [medium["id"], high["id"]]
    assert await _ids(tenant, url, min_score=11, max_score=24) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_score": 0}, "min_score"),
        ({"max_score": 26}, "max_score"),
        ({"min_score": 10, "max_score": 9}, "max_score"),
        ({"status": "dormant"}, "status"),
    ],
)
async def test_impossible_filters_are_422(
    tenant: Tenant, params: dict[str, Any], field: str
) -> None:
    problem = assert_problem(await tenant.get("/v1/risks", params=params), 422)
    assert ("query", field) in {loc[:2] for loc in locations(problem)}


async def test_list_filters_by_one_or_several_statuses(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/risks"
    risks = {
        status: await make_risk(tenant, project["id"], status=status)
        for status in ("open", "mitigating", "closed", "occurred")
    }
    assert await _ids(tenant, url, status="closed") == [risks["closed"]["id"]]
    assert await _ids(tenant, url, status=["open", "occurred"]) == [
        risks["open"]["id"],
        risks["occurred"]["id"],
    ]
    assert await _ids(tenant, "/v1/risks", status=["mitigating"]) == [risks["mitigating"]["id"]]


async def test_review_overdue_means_past_its_date_and_not_closed(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/risks"
    overdue = await make_risk(tenant, project["id"], review_date=_days_from_today(-3))
    occurred = await make_risk(
        tenant, project["id"], review_date=_days_from_today(-1), status="occurred"
    )
    closed = await make_risk(
        tenant, project["id"], review_date=_days_from_today(-3), status="closed"
    )
    due_today = await make_risk(tenant, project["id"], review_date=_days_from_today(0))
    later = await make_risk(tenant, project["id"], review_date=_days_from_today(5))
    undated = await make_risk(tenant, project["id"])
    assert await _ids(tenant, url, review_overdue="true") == [overdue["id"], occurred["id"]]
    assert await _ids(tenant, url, review_overdue="false") == [
        closed["id"],
        due_today["id"],
        later["id"],
        undated["id"],
    ]
    assert await _ids(tenant, "/v1/risks", review_overdue="true", status="open") == [overdue["id"]]
    await tenant.patch(f"/v1/risks/{overdue['id']}", json={"review_date": _days_from_today(7)})
    assert await _ids(tenant, url, review_overdue="true") == [occurred["id"]]


async def test_list_filters_by_updated_since(tenant: Tenant) -> None:
    project = await tenant.project()
    first = await make_risk(tenant, project["id"])
    await make_risk(tenant, project["id"])
    changed = await tenant.patch(f"/v1/risks/{first['id']}", json={"title": "Renamed"})
    since = changed.json()["updated_at"]
    assert await _ids(tenant, "/v1/risks", updated_since=since) == [first["id"]]
    later = datetime.fromisoformat(since) + timedelta(seconds=1)
    assert await _ids(tenant, "/v1/risks", updated_since=later.isoformat()) == []


async def test_organization_wide_list_shows_only_the_callers_risks(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    rollout, migration = await tenant.project(), await tenant.project()
    first = await make_risk(tenant, rollout["id"], probability=5, impact=4)
    second = await make_risk(tenant, migration["id"], probability=1, impact=2)
    third = await make_risk(tenant, rollout["id"], probability=4, impact=4)
    foreign_project = await other_tenant.project()
    await make_risk(other_tenant, foreign_project["id"], probability=5, impact=5)

    assert await _ids(tenant, "/v1/risks") == [first["id"], second["id"], third["id"]]
    assert await _ids(tenant, "/v1/risks", min_score=15) == [first["id"], third["id"]]
    assert await _ids(tenant, "/v1/risks", project_id=migration["id"]) == [second["id"]]
    assert await _ids(tenant, "/v1/risks", project_id=foreign_project["id"]) == []
    assert await _ids(tenant, f"/v1/projects/{rollout['id']}/risks") == [first["id"], third["id"]]


async def test_organization_wide_list_pages_with_a_cursor(tenant: Tenant) -> None:
    project = await tenant.project()
    made = [(await make_risk(tenant, project["id"]))["id"] for _ in range(3)]
    first = await tenant.get("/v1/risks", params={"limit": 2})
    assert [item["id"] for item in first.json()["items"]] == made[:2]
    cursor = first.json()["next_cursor"]
    rest = await tenant.get("/v1/risks", params={"limit": 2, "cursor": cursor})
    assert [item["id"] for item in rest.json()["items"]] == made[2:]
    # A cursor belongs to one list: the project's list refuses it.
    foreign = await tenant.get(f"/v1/projects/{project['id']}/risks", params={"cursor": cursor})
    assert_problem(foreign, 400, "invalid-cursor")
