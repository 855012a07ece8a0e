"""`/v1/events`: what happened in the organization, in order, with a cursor, for pollers."""

import json
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import select

from app.core.auth import Scope
from app.db import Database
from app.models import Event
from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.statements import count_statements


async def _feed(tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    """Every event the filters select, following the cursor to the last page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await tenant.get("/v1/events", params=query)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


async def _busy_project(tenant: Tenant, name: str = "Rollout") -> dict[str, Any]:
    """A project with a few events: created, changed, moved, and a milestone planned and done."""
    project = await tenant.project(name=name)
    url = f"/v1/projects/{project['id']}"
    assert (await tenant.patch(url, json={"description": "CRM"})).status_code == 200
    assert (await tenant.post(f"{url}/transitions", json={"to_phase": "planning"})).is_success
    milestone = await tenant.post(
        f"{url}/milestones", json={"name": "Design", "due_date": "2027-01-15"}
    )
    assert milestone.status_code == 201
    done = {"status": "done", "completed_date": "2027-01-10"}
    assert (await tenant.patch(f"/v1/milestones/{milestone.json()['id']}", json=done)).is_success
    return {**project, "milestone_id": milestone.json()["id"]}


async def _stored(tenant: Tenant) -> list[Event]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event).where(Event.organization_id == tenant.organization_id).order_by(Event.id)  # type: ignore[arg-type]
        )
        return list(rows)


async def test_events_come_in_the_order_they_were_recorded_with_the_payload_webhooks_send(
    tenant: Tenant,
) -> None:
    project = await _busy_project(tenant)
    items = await _feed(tenant)
    stored = await _stored(tenant)
    assert [item["id"] for item in items] == [str(event.id) for event in stored]
    assert [item["type"] for item in items][:4] == [
        "project.created",
        "project.updated",
        "project.phase_changed",
        "milestone.created",
    ]
    for item, event in zip(items, stored, strict=True):
        assert item["payload"] == json.loads(event.payload)  # the very bytes a webhook sends
        assert item["payload"]["type"] == item["type"]
        assert item["aggregate_type"] == event.aggregate_type
        assert item["aggregate_id"] == str(event.aggregate_id)
        assert item["aggregate_version"] == event.aggregate_version
        assert item["project_id"] == project["id"]
        assert datetime.fromisoformat(item["occurred_at"]) == event.occurred_at
    assert items[0]["payload"]["data"]["name"] == "Rollout"


async def test_pages_follow_each_other_without_gaps_or_repeats(tenant: Tenant) -> None:
    await _busy_project(tenant)
    everything = await _feed(tenant)
    assert len(everything) > 5
    first = await tenant.get("/v1/events", params={"limit": 2})
    assert len(first.json()["items"]) == 2
    assert 'rel="next"' in first.headers["link"]
    paged = await _feed(tenant, limit=2)
    assert [item["id"] for item in paged] == [item["id"] for item in everything]
    last_page = await tenant.get("/v1/events", params={"limit": len(everything)})
    assert last_page.json()["next_cursor"] is None
    assert "link" not in last_page.headers


async def test_a_page_costs_the_same_few_statements_whatever_its_size(
    tenant: Tenant, database: Database
) -> None:
    await _busy_project(tenant)
    await tenant.get("/v1/events")  # the key's `last_used_at` is written once a minute
    counts = []
    for limit in (1, 50):
        with count_statements(database) as statements:
            assert (await tenant.get("/v1/events", params={"limit": limit})).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 4


async def test_type_filter_takes_exact_types_and_prefixes(tenant: Tenant) -> None:
    await _busy_project(tenant)
    exact = await _feed(tenant, type=["project.phase_changed", "milestone.completed"])
    assert [item["type"] for item in exact] == ["project.phase_changed", "milestone.completed"]
    prefix = await _feed(tenant, type="milestone.*")
    assert {item["type"] for item in prefix} == {
        "milestone.created",
        "milestone.updated",
        "milestone.completed",
    }
    both = await _feed(tenant, type=["milestone.*", "project.created"])
    assert both[0]["type"] == "project.created"
    assert len(both) == len(prefix) + 1
    assert await _feed(tenant, type="status_report.*") == []


async def test_a_type_the_catalogue_does_not_list_is_refused(tenant: Tenant) -> None:
    response = await tenant.get("/v1/events", params={"type": ["risk.alert", "risk.alarm"]})
    problem = assert_problem(response, 422, "invalid-input")
    assert locations(problem) == {("query", "type", 1)}
    response = await tenant.get("/v1/events", params={"type": "nothing.*"})
    assert locations(assert_problem(response, 422)) == {("query", "type", 0)}
    assert_problem(await tenant.get("/v1/events", params={"type": "risk"}), 422, "validation")
    assert_problem(await tenant.get("/v1/events", params={"type": "risk.%"}), 422, "validation")


async def test_project_and_aggregate_filters(tenant: Tenant) -> None:
    ours = await _busy_project(tenant, "Ours")
    theirs = await _busy_project(tenant, "Theirs")
    of_ours = await _feed(tenant, project_id=ours["id"])
    assert of_ours
    assert {item["project_id"] for item in of_ours} == {ours["id"]}
    everything = await _feed(tenant)
    assert len(of_ours) + len(await _feed(tenant, project_id=theirs["id"])) == len(everything)
    milestone = await _feed(tenant, aggregate_id=ours["milestone_id"])
    assert [item["type"] for item in milestone] == [
        "milestone.created",
        "milestone.updated",
        "milestone.completed",
    ]
    assert await _feed(tenant, project_id=str(uuid.uuid4())) == []


async def test_since_keeps_the_events_that_occurred_at_or_after_it(tenant: Tenant) -> None:
    await _busy_project(tenant)
    everything = await _feed(tenant)
    middle = everything[len(everything) // 2]
    since = datetime.fromisoformat(middle["occurred_at"])
    later = await _feed(tenant, since=since.isoformat())
    expected = [item for item in everything if datetime.fromisoformat(item["occurred_at"]) >= since]
    assert later == expected
    assert later[0]["id"] == middle["id"]
    assert len(later) < len(everything)
    naive = await tenant.get("/v1/events", params={"since": "2026-01-01T00:00:00"})
    assert locations(assert_problem(naive, 422)) == {("query", "since")}


async def test_one_event_reads_by_id_and_never_changes(tenant: Tenant) -> None:
    await tenant.project()
    [listed] = await _feed(tenant)
    response = await tenant.get(f"/v1/events/{listed['id']}")
    assert response.status_code == 200
    assert response.json() == listed
    etag = response.headers["etag"]
    again = await tenant.get(f"/v1/events/{listed['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert_problem(await tenant.get(f"/v1/events/{uuid.uuid4()}"), 404, "not-found")


async def test_another_organizations_events_stay_invisible(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await _busy_project(other_tenant)
    [their_event, *_] = await _feed(other_tenant)
    await tenant.project()
    ours = await _feed(tenant)
    assert [item["type"] for item in ours] == ["project.created"]
    assert await _feed(tenant, project_id=theirs["id"]) == []
    assert await _feed(tenant, aggregate_id=theirs["id"]) == []
    problem = assert_problem(await tenant.get(f"/v1/events/{their_event['id']}"), 404)
    unknown = assert_problem(await tenant.get(f"/v1/events/{uuid.uuid4()}"), 404)
    assert problem["detail"] == unknown["detail"]  # nothing says that it exists elsewhere
    cursor = (await other_tenant.get("/v1/events", params={"limit": 1})).json()["next_cursor"]
    assert_problem(await tenant.get("/v1/events", params={"cursor": cursor}), 400)


async def test_the_feed_and_the_catalogue_need_the_events_read_scope(tenant: Tenant) -> None:
    await tenant.project()
    [event] = await _feed(tenant)
    urls = ["/v1/events", f"/v1/events/{event['id']}", "/v1/event-types"]
    without = await tenant.key_with(Scope.projects_read, Scope.webhooks_read)
    reader = await tenant.key_with(Scope.events_read)
    for url in urls:
        assert_problem(await tenant.get(url, headers=tenant.headers(without)), 403, "forbidden")
        assert (await tenant.get(url, headers=tenant.headers(reader))).status_code == 200, url
        assert_problem(await tenant.client.get(url), 401, "unauthenticated")
