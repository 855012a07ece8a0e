"""Milestones: dates, owner, status and completion, derived overdue and slip, lists, ETags."""

import json
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import select

from app.milestones.schemas import MAX_MILESTONES_PER_PROJECT
from app.models import Event, Milestone
from app.models.base import today
from tests.factories import Tenant
from tests.milestones.helpers import count_statements, day, make_milestone, store_milestones
from tests.problems import assert_problem, locations
from tests.room import assert_full


async def _events(tenant: Tenant) -> list[tuple[str, dict[str, Any]]]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event)
            .where(
                Event.organization_id == tenant.organization_id, Event.aggregate_type == "milestone"
            )
            .order_by(Event.id)  # type: ignore[arg-type]
        )
        return [(row.type, json.loads(row.payload)["data"]) for row in rows]


async def test_created_milestone_can_be_read_back(tenant: Tenant) -> None:
    project = await tenant.project()
    owner = await tenant.member()
    body = {
        "name": "Data migration signed off",
        "description": "All records moved and reconciled.",
        "start_date": day(10),
        "due_date": day(40),
        "owner_id": owner["id"],
        "customer_visible": True,
    }
    response = await tenant.post(f"/v1/projects/{project['id']}/milestones", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["etag"] == f'"1.{today():%Y%m%d}"'
    assert {key: created[key] for key in body} == body
    assert created["project_id"] == project["id"]
    assert created["baseline_due_date"] == day(40)
    assert created["status"] == "planned"
    assert (created["completed_date"], created["depends_on"]) == (None, [])
    assert (created["overdue"], created["slip_days"], created["version"]) == (False, 0, 1)

    fetched = await tenant.get(f"/v1/milestones/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == f'"1.{today():%Y%m%d}"'


async def test_milestone_round_trip_list_change_delete(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/milestones"
    first = await make_milestone(tenant, project["id"], name="Kickoff", due_date=day(5))
    second = await make_milestone(tenant, project["id"], name="Go-live", due_date=day(60))
    listed = (await tenant.get(url)).json()
    assert (listed["items"], listed["next_cursor"]) == ([first, second], None)
    assert listed["next_sync_token"] is not None

    changed = await tenant.patch(
        f"/v1/milestones/{first['id']}", json={"name": "Kick-off", "customer_visible": True}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["customer_visible"], body["version"]) == ("Kick-off", True, 2)
    assert changed.headers["etag"] == f'"2.{today():%Y%m%d}"'
    assert (await tenant.get(f"/v1/milestones/{first['id']}")).json() == body

    assert (await tenant.delete(f"/v1/milestones/{first['id']}")).status_code == 204
    assert_problem(await tenant.get(f"/v1/milestones/{first['id']}"), 404, "not-found")
    assert [item["id"] for item in (await tenant.get(url)).json()["items"]] == [second["id"]]


async def test_baseline_due_date_is_set_once_and_never_patched(tenant: Tenant) -> None:
    project = await tenant.project()
    body = {"name": "M", "due_date": day(20), "baseline_due_date": day(10)}
    response = await tenant.post(f"/v1/projects/{project['id']}/milestones", json=body)
    assert_problem(response, 422, "validation")
    milestone = await make_milestone(tenant, project["id"], due_date=day(20))
    url = f"/v1/milestones/{milestone['id']}"
    assert_problem(await tenant.patch(url, json={"baseline_due_date": day(25)}), 422)
    moved = (await tenant.patch(url, json={"due_date": day(25)})).json()
    assert (moved["due_date"], moved["baseline_due_date"]) == (day(25), day(20))


@pytest.mark.parametrize("field", ["name", "due_date", "status", "customer_visible", "depends_on"])
async def test_null_for_a_required_field_in_patch_is_422(tenant: Tenant, field: str) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"])
    url = f"/v1/milestones/{milestone['id']}"
    problem = assert_problem(await tenant.patch(url, json={field: None}), 422, "validation")
    assert ("body", field) in locations(problem)
    assert (await tenant.get(url)).json() == milestone


async def test_patch_null_clears_optional_fields(tenant: Tenant) -> None:
    project = await tenant.project()
    owner = await tenant.member()
    milestone = await make_milestone(
        tenant, project["id"], description="d", start_date=day(1), owner_id=owner["id"]
    )
    url = f"/v1/milestones/{milestone['id']}"
    cleared = {"description": None, "start_date": None, "owner_id": None}
    body = (await tenant.patch(url, json=cleared)).json()
    assert {key: body[key] for key in cleared} == cleared


async def test_empty_patch_changes_nothing(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"])
    response = await tenant.patch(f"/v1/milestones/{milestone['id']}", json={})
    assert response.status_code == 200
    assert response.json() == milestone
    assert [kind for kind, _ in await _events(tenant)] == ["milestone.created"]


async def test_start_date_after_due_date_is_422(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/milestones"
    body = {"name": "M", "start_date": day(11), "due_date": day(10)}
    problem = assert_problem(await tenant.post(url, json=body), 422, "invalid-input")
    assert locations(problem) == {("body", "start_date")}
    assert (await tenant.get(url)).json()["items"] == []

    milestone = await make_milestone(tenant, project["id"], start_date=day(5), due_date=day(10))
    one = f"/v1/milestones/{milestone['id']}"
    late_start = await tenant.patch(one, json={"start_date": day(12)})
    assert locations(assert_problem(late_start, 422)) == {("body", "start_date")}
    early_due = await tenant.patch(one, json={"due_date": day(4)})
    assert locations(assert_problem(early_due, 422)) == {("body", "due_date")}
    same_day = await tenant.patch(one, json={"start_date": day(10)})
    assert same_day.status_code == 200
    assert (await tenant.get(one)).json()["start_date"] == day(10)


async def test_done_defaults_the_completion_date_to_today(tenant: Tenant) -> None:
    project = await tenant.project()
    created = await make_milestone(tenant, project["id"], status="done")
    assert created["completed_date"] == day(0)
    milestone = await make_milestone(tenant, project["id"])
    url = f"/v1/milestones/{milestone['id']}"
    done = (await tenant.patch(url, json={"status": "done"})).json()
    assert (done["status"], done["completed_date"]) == ("done", day(0))
    given = await make_milestone(tenant, project["id"], status="done", completed_date=day(-3))
    assert given["completed_date"] == day(-3)


async def test_completion_date_only_with_status_done(tenant: Tenant) -> None:
    project = await tenant.project()
    body = {"name": "M", "due_date": day(5), "status": "in_progress", "completed_date": day(0)}
    response = await tenant.post(f"/v1/projects/{project['id']}/milestones", json=body)
    assert locations(assert_problem(response, 422, "invalid-input")) == {("body", "completed_date")}
    milestone = await make_milestone(tenant, project["id"])
    url = f"/v1/milestones/{milestone['id']}"
    response = await tenant.patch(url, json={"completed_date": day(0)})
    assert locations(assert_problem(response, 422)) == {("body", "completed_date")}

    await tenant.patch(url, json={"status": "done", "completed_date": day(-1)})
    response = await tenant.patch(url, json={"completed_date": None})
    assert locations(assert_problem(response, 422)) == {("body", "completed_date")}
    reopened = (await tenant.patch(url, json={"status": "in_progress"})).json()
    assert (reopened["status"], reopened["completed_date"]) == ("in_progress", None)


async def test_owner_must_be_a_member_of_the_organization(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await tenant.project()
    stranger = await other_tenant.member()
    body = {"name": "M", "due_date": day(5), "owner_id": stranger["id"]}
    response = await tenant.post(f"/v1/projects/{project['id']}/milestones", json=body)
    assert locations(assert_problem(response, 422, "invalid-input")) == {("body", "owner_id")}
    milestone = await make_milestone(tenant, project["id"])
    url = f"/v1/milestones/{milestone['id']}"
    response = await tenant.patch(url, json={"owner_id": stranger["id"]})
    assert locations(assert_problem(response, 422)) == {("body", "owner_id")}
    mine = await tenant.member()
    assert (await tenant.patch(url, json={"owner_id": mine["id"]})).json()["owner_id"] == mine["id"]


@pytest.mark.parametrize(
    ("fields", "overdue", "slip_days"),
    [
        ({"due_date": day(10)}, False, 0),
        ({"due_date": day(0)}, False, 0),
        ({"due_date": day(-5)}, True, 5),
        ({"due_date": day(-5), "status": "missed"}, True, 5),
        ({"due_date": day(-5), "status": "done", "completed_date": day(-2)}, False, 3),
        ({"due_date": day(-5), "status": "done", "completed_date": day(-9)}, False, 0),
    ],
)
async def test_overdue_and_slip_are_derived_from_dates_and_status(
    tenant: Tenant, fields: dict[str, str], overdue: bool, slip_days: int
) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"], **fields)
    assert (milestone["overdue"], milestone["slip_days"]) == (overdue, slip_days)
    fetched = (await tenant.get(f"/v1/milestones/{milestone['id']}")).json()
    assert (fetched["overdue"], fetched["slip_days"]) == (overdue, slip_days)


async def test_moving_the_due_date_later_is_slip_against_the_baseline(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"], due_date=day(-4))
    url = f"/v1/milestones/{milestone['id']}"
    assert (milestone["overdue"], milestone["slip_days"]) == (True, 4)
    moved = (await tenant.patch(url, json={"due_date": day(6)})).json()
    assert (moved["overdue"], moved["slip_days"]) == (False, 10)
    done = (await tenant.patch(url, json={"status": "done"})).json()
    assert (done["overdue"], done["slip_days"]) == (False, 4)


async def test_list_filters_by_status_overdue_visibility_and_updated_since(
    tenant: Tenant,
) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/milestones"
    late = await make_milestone(tenant, project["id"], due_date=day(-3))
    shown = await make_milestone(tenant, project["id"], customer_visible=True)
    done = await make_milestone(
        tenant, project["id"], due_date=day(-3), status="done", customer_visible=True
    )

    async def ids(**params: str) -> list[str]:
        response = await tenant.get(url, params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(status="done") == [done["id"]]
    assert await ids(status="planned") == [late["id"], shown["id"]]
    assert await ids(overdue="true") == [late["id"]]
    assert await ids(overdue="false") == [shown["id"], done["id"]]
    assert await ids(customer_visible="true") == [shown["id"], done["id"]]
    assert await ids(customer_visible="false", overdue="true") == [late["id"]]
    changed = await tenant.patch(f"/v1/milestones/{shown['id']}", json={"name": "Renamed"})
    assert await ids(updated_since=changed.json()["updated_at"]) == [shown["id"]]
    assert_problem(await tenant.get(url, params={"status": "dreaming"}), 422, "validation")


async def test_list_pages_with_a_cursor(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/milestones"
    made = [await make_milestone(tenant, project["id"], name=f"M{index}") for index in range(3)]
    first = await tenant.get(url, params={"limit": 2})
    assert [item["id"] for item in first.json()["items"]] == [made[0]["id"], made[1]["id"]]
    assert 'rel="next"' in first.headers["link"]
    cursor = first.json()["next_cursor"]
    second = (await tenant.get(url, params={"limit": 2, "cursor": cursor})).json()
    assert ([item["id"] for item in second["items"]], second["next_cursor"]) == (
        [made[2]["id"]],
        None,
    )
    assert_problem(await tenant.get(url, params={"cursor": cursor + "x"}), 400, "invalid-cursor")


async def test_listing_loads_dependencies_in_a_fixed_number_of_statements(
    tenant: Tenant,
) -> None:
    small, large = await tenant.project(), await tenant.project()
    for project, size in ((small, 2), (large, 8)):
        root = await make_milestone(tenant, project["id"], due_date=day(1))
        for _ in range(size - 1):
            await make_milestone(tenant, project["id"], depends_on=[root["id"]])
    counts = []
    for project in (small, large):
        url = f"/v1/projects/{project['id']}/milestones"
        await tenant.get(url)  # the key's `last_used_at` is written on its first use
        with count_statements(tenant) as statements:
            response = await tenant.get(url)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    items = response.json()["items"]
    assert len(items) == 8
    assert all(item["depends_on"] == [items[0]["id"]] for item in items[1:])


async def test_another_organizations_milestone_is_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await make_milestone(other_tenant, (await other_tenant.project())["id"])
    url = f"/v1/milestones/{theirs['id']}"
    for method, body in (("GET", None), ("PATCH", {"name": "Mine now"}), ("DELETE", None)):
        response = await tenant.request(method, url, json=body)
        assert_problem(response, 404, "not-found")
        assert theirs["id"] not in response.json()["detail"]
    assert (await other_tenant.get(url)).json() == theirs
    project_url = f"/v1/projects/{theirs['project_id']}"
    assert_problem(await tenant.get(f"{project_url}/milestones"), 404)
    assert_problem(await tenant.get(f"{project_url}/timeline"), 404)
    body = {"name": "M", "due_date": day(1)}
    assert_problem(await tenant.post(f"{project_url}/milestones", json=body), 404)


async def test_conditional_get_and_stale_write(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"])
    url = f"/v1/milestones/{milestone['id']}"
    current = f'"1.{today():%Y%m%d}"'
    cached = await tenant.get(url, headers={"If-None-Match": current})
    assert (cached.status_code, cached.headers["etag"]) == (304, current)
    assert (await tenant.patch(url, json={"name": "A"}, headers={"If-Match": '"1"'})).is_success
    stale = await tenant.patch(url, json={"name": "B"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition-failed")
    assert (await tenant.get(url, headers={"If-None-Match": current})).status_code == 200
    assert_problem(await tenant.delete(url, headers={"If-Match": '"1"'}), 412)
    assert (await tenant.delete(url, headers={"If-Match": '"2"'})).status_code == 204


async def test_milestone_writes_move_the_projects_version(tenant: Tenant) -> None:
    project = await tenant.project()
    project_url = f"/v1/projects/{project['id']}"
    versions = [project["version"]]
    milestone = await make_milestone(tenant, project["id"])
    versions.append((await tenant.get(project_url)).json()["version"])
    await tenant.patch(f"/v1/milestones/{milestone['id']}", json={"name": "Renamed"})
    versions.append((await tenant.get(project_url)).json()["version"])
    await tenant.delete(f"/v1/milestones/{milestone['id']}")
    versions.append((await tenant.get(project_url)).json()["version"])
    assert versions == sorted(set(versions)), versions


async def test_archived_projects_milestones_are_read_only(tenant: Tenant) -> None:
    project = await tenant.project()
    milestone = await make_milestone(tenant, project["id"])
    await tenant.delete(f"/v1/projects/{project['id']}")
    body = {"name": "M", "due_date": day(1)}
    created = await tenant.post(f"/v1/projects/{project['id']}/milestones", json=body)
    assert_problem(created, 409, "project-archived")
    url = f"/v1/milestones/{milestone['id']}"
    assert_problem(await tenant.patch(url, json={"name": "N"}), 409, "project-archived")
    assert_problem(await tenant.delete(url), 409, "project-archived")
    assert (await tenant.get(url)).json() == milestone


async def test_a_retried_create_with_the_same_idempotency_key_creates_one(tenant: Tenant) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/milestones"
    body = {"name": "M", "due_date": day(3)}
    headers = {"Idempotency-Key": "milestone-1"}
    first = await tenant.post(url, json=body, headers=headers)
    again = await tenant.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len((await tenant.get(url)).json()["items"]) == 1


async def test_every_change_is_recorded_as_an_event(tenant: Tenant) -> None:
    project = await tenant.project()
    first = await make_milestone(tenant, project["id"], due_date=day(2))
    second = await make_milestone(tenant, project["id"], depends_on=[first["id"]])
    url = f"/v1/milestones/{second['id']}"
    await tenant.patch(url, json={"name": "Go-live", "due_date": day(40)})
    await tenant.patch(url, json={"status": "done"})
    await tenant.patch(f"/v1/milestones/{first['id']}", json={"status": "missed"})
    await tenant.delete(url)

    events = await _events(tenant)
    assert [kind for kind, _ in events] == [
        "milestone.created",
        "milestone.created",
        "milestone.updated",
        "milestone.updated",
        "milestone.completed",
        "milestone.updated",
        "milestone.missed",
        "risk.alert",
        "milestone.deleted",
    ]
    created = events[1][1]
    assert (created["milestone_id"], created["project_id"]) == (second["id"], project["id"])
    assert (created["depends_on"], created["version"]) == ([first["id"]], 1)
    renamed = events[2][1]
    assert {key for key in renamed if key not in ("milestone_id", "project_id", "version")} == {
        "name",
        "due_date",
    }
    assert (renamed["name"], renamed["due_date"], renamed["version"]) == ("Go-live", day(40), 2)
    assert events[3][1]["status"] == "done"
    assert events[3][1]["completed_date"] == date.today().isoformat()
    assert events[4][1]["completed_date"] == day(0)
    assert events[6][1]["milestone_id"] == first["id"]
    assert UUID(events[8][1]["milestone_id"]) == UUID(second["id"])


async def test_a_project_holds_a_bounded_number_of_milestones(tenant: Tenant) -> None:
    """The whole plan is drawn and shared at once: past the limit, a new milestone is a 409
    until one is deleted."""
    project = await tenant.project()
    stored = await store_milestones(tenant, project["id"], MAX_MILESTONES_PER_PROJECT - 1)
    await make_milestone(tenant, project["id"], name="The last one that fits")
    url = f"/v1/projects/{project['id']}/milestones"
    body = {"name": "One too many", "due_date": day(30)}
    limit = MAX_MILESTONES_PER_PROJECT
    await assert_full(tenant, project["id"], Milestone, limit, "too-many-milestones", url, body)
    await make_milestone(tenant, (await tenant.project())["id"])  # the limit is per project

    assert (await tenant.delete(f"/v1/milestones/{stored[0]}")).status_code == 204
    again = await tenant.post(url, json=body)
    assert again.status_code == 201, again.text
