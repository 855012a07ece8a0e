"""Action items: owed by a member, linked to where they were promised, `overdue` derived, and
what a member owes across all projects in one call."""

from typing import Any

from tests.factories import Tenant
from tests.problems import assert_problem, locations
from tests.rhythm import day, events_of, ok

RISK = {"title": "R", "category": "schedule", "probability": 2, "impact": 3, "response": "accept"}


async def _item(tenant: Tenant, project: dict[str, Any], **body: Any) -> dict[str, Any]:
    return ok(await tenant.post(f"/v1/projects/{project['id']}/action-items", json=body), 201)


async def test_an_action_item_links_to_the_meeting_it_came_from(tenant: Tenant) -> None:
    owner = await tenant.member()
    project = await tenant.project()
    meeting = ok(
        await tenant.post(
            f"/v1/projects/{project['id']}/meetings",
            json={"kind": "kickoff", "starts_at": "2026-01-12T09:00:00Z"},
        ),
        201,
    )
    item = await _item(
        tenant,
        project,
        title="Send the migration plan",
        owner_id=owner["id"],
        due_date=day(7),
        source={"type": "meeting", "id": meeting["id"]},
    )
    assert item["source"] == {
        "type": "meeting",
        "id": meeting["id"],
        "href": f"/v1/meetings/{meeting['id']}",
    }
    assert (item["status"], item["overdue"], item["completed_at"]) == ("open", False, None)
    [event] = await events_of(tenant, "action_item.created")
    assert (event["action_item_id"], event["source"], event["source_id"]) == (
        item["id"],
        "meeting",
        meeting["id"],
    )
    # The meeting goes, the action item stays without the link.
    assert (await tenant.delete(f"/v1/meetings/{meeting['id']}")).status_code == 204
    assert ok(await tenant.get(f"/v1/action-items/{item['id']}"))["source"] is None


async def test_sources_must_be_of_the_same_project_and_of_the_right_kind(tenant: Tenant) -> None:
    owner = await tenant.member()
    project, elsewhere = await tenant.project(), await tenant.project()
    risk = ok(await tenant.post(f"/v1/projects/{elsewhere['id']}/risks", json=RISK), 201)
    sync = ok(
        await tenant.post(
            f"/v1/projects/{project['id']}/meetings",
            json={"kind": "sync", "starts_at": "2026-01-12T09:00:00Z"},
        ),
        201,
    )
    url = f"/v1/projects/{project['id']}/action-items"
    base = {"title": "T", "owner_id": owner["id"]}
    for source in (
        {"type": "risk", "id": risk["id"]},
        {"type": "retrospective", "id": sync["id"]},
        {"type": "feedback", "id": sync["id"]},
    ):
        problem = assert_problem(await tenant.post(url, json={**base, "source": source}), 422)
        assert locations(problem) == {("body", "source", "id")}, source
    retro = ok(
        await tenant.post(
            f"/v1/projects/{project['id']}/status-reports", json={"kind": "retrospective"}
        ),
        201,
    )
    item = await _item(tenant, project, **base, source={"type": "retrospective", "id": retro["id"]})
    assert item["source"]["href"] == f"/v1/status-reports/{retro['id']}"
    problem = assert_problem(await tenant.post(url, json={**base, "owner_id": risk["id"]}), 422)
    assert locations(problem) == {("body", "owner_id")}


async def test_done_is_stamped_and_recorded_and_reopening_clears_it(tenant: Tenant) -> None:
    owner = await tenant.member()
    project = await tenant.project()
    item = await _item(tenant, project, title="T", owner_id=owner["id"], due_date=day(-2))
    assert item["overdue"] is True
    url = f"/v1/action-items/{item['id']}"
    read = await tenant.get(url)
    assert read.headers["ETag"].startswith('"1.')  # overdue derives from today's date
    done = ok(await tenant.patch(url, json={"status": "done"}, headers={"If-Match": '"1"'}))
    assert (done["status"], done["overdue"]) == ("done", False)
    assert done["completed_at"] is not None
    [event] = await events_of(tenant, "action_item.completed")
    assert (event["action_item_id"], event["version"]) == (item["id"], 2)
    assert_problem(await tenant.patch(url, json={"title": "U"}, headers={"If-Match": '"1"'}), 412)
    reopened = ok(await tenant.patch(url, json={"status": "open"}))
    assert (reopened["completed_at"], reopened["overdue"]) == (None, True)
    dropped = ok(await tenant.patch(url, json={"status": "dropped"}))
    assert dropped["completed_at"] is not None
    assert len(await events_of(tenant, "action_item.completed")) == 1


async def test_what_a_member_owes_across_all_projects_is_one_call(tenant: Tenant) -> None:
    seller, other = await tenant.member(role="sales"), await tenant.member()
    first, second = await tenant.project(), await tenant.project()
    late = await _item(tenant, first, title="Late", owner_id=seller["id"], due_date=day(-1))
    soon = await _item(tenant, second, title="Soon", owner_id=seller["id"], due_date=day(3))
    done = await _item(tenant, second, title="Done", owner_id=seller["id"])
    ok(await tenant.patch(f"/v1/action-items/{done['id']}", json={"status": "done"}))
    await _item(tenant, first, title="Someone else's", owner_id=other["id"])
    url = f"/v1/members/{seller['id']}/action-items"
    owed = ok(await tenant.get(url, params={"status": "open"}))
    assert [(i["id"], i["project_id"]) for i in owed["items"]] == [
        (late["id"], first["id"]),
        (soon["id"], second["id"]),
    ]
    overdue = ok(await tenant.get(url, params={"overdue": "true"}))
    assert [i["id"] for i in overdue["items"]] == [late["id"]]
    everything = ok(await tenant.get(url, params={"limit": 2}))
    assert len(everything["items"]) == 2
    assert everything["next_cursor"]
    rest = ok(await tenant.get(url, params={"limit": 2, "cursor": everything["next_cursor"]}))
    assert [i["id"] for i in rest["items"]] == [done["id"]]
    project_list = ok(await tenant.get(f"/v1/projects/{second['id']}/action-items"))
    assert [i["id"] for i in project_list["items"]] == [soon["id"], done["id"]]
