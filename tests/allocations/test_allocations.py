"""Allocations: a member of the organization on a project, for a valid date range, at 1–100% of
their capacity; read per project and per member."""

import json
from typing import Any

import pytest
from sqlmodel import col, select

from app.core.auth import Scope
from app.models import Allocation, Event
from tests.factories import Tenant
from tests.problems import assert_problem


async def allocate(
    tenant: Tenant, project: dict[str, Any], member: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    body = {
        "member_id": member["id"],
        "start_date": "2027-01-04",
        "end_date": "2027-01-29",
        "percent": 50,
        **fields,
    }
    response = await tenant.post(f"/v1/projects/{project['id']}/allocations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _stored(tenant: Tenant) -> list[Allocation]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Allocation).where(Allocation.organization_id == tenant.organization_id)
        )
        return list(rows)


async def _events(tenant: Tenant) -> list[dict[str, Any]]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event)
            .where(
                Event.organization_id == tenant.organization_id,
                col(Event.type).startswith("allocation."),
            )
            .order_by(col(Event.id))
        )
        return [json.loads(event.payload) for event in rows]


async def test_allocation_round_trip(tenant: Tenant) -> None:
    project, ada = await tenant.project(), await tenant.member()
    url = f"/v1/projects/{project['id']}/allocations"
    body = {"member_id": ada["id"], "start_date": "2027-01-04", "end_date": "2027-03-31"}
    response = await tenant.post(url, json={**body, "percent": 60})
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    allocation = response.json()
    assert {key: allocation[key] for key in (*body, "percent", "project_id", "version")} == {
        **body,
        "percent": 60,
        "project_id": project["id"],
        "version": 1,
    }
    by_id = f"/v1/allocations/{allocation['id']}"
    assert (await tenant.get(by_id)).json() == allocation
    listed = (await tenant.get(url)).json()
    assert (listed["items"], listed["next_cursor"], listed["deleted"]) == ([allocation], None, [])
    mine = (await tenant.get(f"/v1/members/{ada['id']}/allocations")).json()
    assert mine["items"] == [allocation]

    changed = await tenant.patch(by_id, json={"percent": 80, "end_date": "2027-02-28"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["percent"], changed.json()["end_date"]) == (80, "2027-02-28")
    assert changed.json()["version"] == 2
    assert changed.headers["etag"] == '"2"'

    assert (await tenant.delete(by_id)).status_code == 204
    assert_problem(await tenant.get(by_id), 404, "not-found")
    assert await _stored(tenant) == []


async def test_changes_are_events_and_move_the_projects_version(tenant: Tenant) -> None:
    project, ada = await tenant.project(), await tenant.member()
    allocation = await allocate(tenant, project, ada)
    url = f"/v1/allocations/{allocation['id']}"
    assert (await tenant.patch(url, json={"percent": 75})).status_code == 200
    assert (await tenant.delete(url)).status_code == 204
    created, updated, deleted = await _events(tenant)
    assert [created["type"], updated["type"], deleted["type"]] == [
        "allocation.created",
        "allocation.updated",
        "allocation.deleted",
    ]
    assert created["data"] == {
        "allocation_id": allocation["id"],
        "version": 1,
        "project_id": project["id"],
        "member_id": ada["id"],
        "start_date": "2027-01-04",
        "end_date": "2027-01-29",
        "percent": 50,
    }
    assert updated["data"] == {
        "allocation_id": allocation["id"],
        "version": 2,
        "project_id": project["id"],
        "percent": 75,
    }
    assert deleted["data"]["allocation_id"] == allocation["id"]
    assert (await tenant.get(f"/v1/projects/{project['id']}")).json()["version"] == 4


@pytest.mark.parametrize("percent", [1, 100])
async def test_percent_may_be_anything_from_1_to_100(tenant: Tenant, percent: int) -> None:
    allocation = await allocate(
        tenant, await tenant.project(), await tenant.member(), percent=percent
    )
    assert allocation["percent"] == percent


@pytest.mark.parametrize("percent", [0, -10, 101, 150, 50.5, "half"])
async def test_percent_outside_1_to_100_is_422(tenant: Tenant, percent: Any) -> None:
    project, ada = await tenant.project(), await tenant.member()
    body = {"member_id": ada["id"], "start_date": "2027-01-04", "end_date": "2027-01-05"}
    url = f"/v1/projects/{project['id']}/allocations"
    problem = assert_problem(await tenant.post(url, json={**body, "percent": percent}), 422)
    assert problem["errors"][0]["loc"] == ["body", "percent"]
    allocation = await allocate(tenant, project, ada)
    response = await tenant.patch(f"/v1/allocations/{allocation['id']}", json={"percent": percent})
    assert_problem(response, 422)
    assert [stored.percent for stored in await _stored(tenant)] == [50]


@pytest.mark.parametrize(
    ("start", "end", "error_type"),
    [
        ("2027-01-10", "2027-01-09", "date_order"),
        ("2027-01-01", "2030-01-01", "range_too_long"),
    ],
)
async def test_an_invalid_range_is_422_naming_the_end_date(
    tenant: Tenant, start: str, end: str, error_type: str
) -> None:
    project, ada = await tenant.project(), await tenant.member()
    body = {"member_id": ada["id"], "start_date": start, "end_date": end, "percent": 10}
    response = await tenant.post(f"/v1/projects/{project['id']}/allocations", json=body)
    problem = assert_problem(response, 422, "invalid-input")
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "end_date"], error_type)
    ]
    assert await _stored(tenant) == []


async def test_three_years_is_the_longest_range(tenant: Tenant) -> None:
    project, ada = await tenant.project(), await tenant.member()
    allocation = await allocate(
        tenant, project, ada, start_date="2027-01-01", end_date="2029-12-31"
    )
    assert allocation["end_date"] == "2029-12-31"
    one_day = await allocate(tenant, project, ada, start_date="2027-01-01", end_date="2027-01-01")
    assert one_day["start_date"] == one_day["end_date"]


async def test_a_patch_that_puts_the_range_out_of_order_is_422_and_changes_nothing(
    tenant: Tenant,
) -> None:
    allocation = await allocate(tenant, await tenant.project(), await tenant.member())
    url = f"/v1/allocations/{allocation['id']}"
    problem = assert_problem(await tenant.patch(url, json={"start_date": "2027-02-01"}), 422)
    assert problem["errors"][0]["type"] == "date_order"
    problem = assert_problem(await tenant.patch(url, json={"end_date": "2031-01-01"}), 422)
    assert problem["errors"][0]["type"] == "range_too_long"
    assert (await tenant.get(url)).json() == allocation
    moved = await tenant.patch(url, json={"start_date": "2027-02-01", "end_date": "2027-02-10"})
    assert moved.status_code == 200


@pytest.mark.parametrize("field", ["member_id", "start_date", "end_date", "percent"])
async def test_null_for_a_field_in_patch_is_422(tenant: Tenant, field: str) -> None:
    allocation = await allocate(tenant, await tenant.project(), await tenant.member())
    url = f"/v1/allocations/{allocation['id']}"
    assert_problem(await tenant.patch(url, json={field: None}), 422, "validation")
    assert (await tenant.get(url)).json() == allocation


async def test_a_member_of_another_organization_cannot_be_allocated(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project, stranger = await tenant.project(), await other_tenant.member()
    body = {
        "member_id": stranger["id"],
        "start_date": "2027-01-04",
        "end_date": "2027-01-05",
        "percent": 10,
    }
    response = await tenant.post(f"/v1/projects/{project['id']}/allocations", json=body)
    problem = assert_problem(response, 422, "invalid-input")
    assert [(e["loc"], e["type"]) for e in problem["errors"]] == [
        (["body", "member_id"], "unknown_reference")
    ]
    allocation = await allocate(tenant, project, await tenant.member())
    url = f"/v1/allocations/{allocation['id']}"
    assert_problem(await tenant.patch(url, json={"member_id": stranger["id"]}), 422)
    assert (await tenant.get(url)).json() == allocation


async def test_an_allocation_moves_to_another_member(tenant: Tenant) -> None:
    allocation = await allocate(tenant, await tenant.project(), await tenant.member())
    grace = await tenant.member(name="Grace Hopper")
    url = f"/v1/allocations/{allocation['id']}"
    response = await tenant.patch(url, json={"member_id": grace["id"]})
    assert response.json()["member_id"] == grace["id"]
    listed = (await tenant.get(f"/v1/members/{grace['id']}/allocations")).json()["items"]
    assert [item["id"] for item in listed] == [allocation["id"]]


async def test_etag_gives_304_and_a_stale_if_match_gives_412(tenant: Tenant) -> None:
    allocation = await allocate(tenant, await tenant.project(), await tenant.member())
    url = f"/v1/allocations/{allocation['id']}"
    not_modified = await tenant.get(url, headers={"If-None-Match": '"1"'})
    assert (not_modified.status_code, not_modified.headers["etag"]) == (304, '"1"')
    assert (await tenant.patch(url, json={"percent": 20}, headers={"If-Match": '"1"'})).is_success
    assert (await tenant.get(url, headers={"If-None-Match": '"1"'})).status_code == 200
    stale = await tenant.patch(url, json={"percent": 30}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition-failed")
    assert_problem(await tenant.delete(url, headers={"If-Match": '"1"'}), 412)
    assert (await tenant.get(url)).json()["percent"] == 20


async def test_another_organizations_allocations_are_not_found(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs, their_member = await other_tenant.project(), await other_tenant.member()
    allocation = await allocate(other_tenant, theirs, their_member)
    url = f"/v1/allocations/{allocation['id']}"
    assert_problem(await tenant.get(url), 404, "not-found")
    assert_problem(await tenant.patch(url, json={"percent": 10}), 404)
    assert_problem(await tenant.delete(url), 404)
    assert_problem(await tenant.get(f"/v1/projects/{theirs['id']}/allocations"), 404)
    assert_problem(await tenant.get(f"/v1/members/{their_member['id']}/allocations"), 404)
    mine = await tenant.member()
    body = {"member_id": mine["id"], "start_date": "2027-01-04", "end_date": "2027-01-05"}
    response = await tenant.post(
        f"/v1/projects/{theirs['id']}/allocations", json={**body, "percent": 5}
    )
    assert_problem(response, 404)
    assert (await other_tenant.get(url)).json() == allocation
    assert len(await _stored(other_tenant)) == 1


async def test_a_members_allocations_are_project_data(tenant: Tenant) -> None:
    ada = await tenant.member()
    await allocate(tenant, await tenant.project(), ada)
    url = f"/v1/members/{ada['id']}/allocations"
    members_only = await tenant.key_with(Scope.members_read)
    assert_problem(await tenant.get(url, headers=tenant.headers(members_only)), 403)
    projects_only = await tenant.key_with(Scope.projects_read)
    response = await tenant.get(url, headers=tenant.headers(projects_only))
    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


async def test_lists_filter_by_member_project_and_overlapping_window(tenant: Tenant) -> None:
    first, second = await tenant.project(), await tenant.project()
    ada, grace = await tenant.member(), await tenant.member()
    january = await allocate(tenant, first, ada, start_date="2027-01-01", end_date="2027-01-31")
    march = await allocate(tenant, first, ada, start_date="2027-03-01", end_date="2027-03-31")
    graces = await allocate(tenant, first, grace)
    elsewhere = await allocate(tenant, second, ada, start_date="2027-01-15", end_date="2027-02-15")

    async def ids(url: str, **params: str) -> list[str]:
        response = await tenant.get(url, params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    project_url = f"/v1/projects/{first['id']}/allocations"
    assert await ids(project_url) == [january["id"], march["id"], graces["id"]]
    assert await ids(project_url, member_id=grace["id"]) == [graces["id"]]
    member_url = f"/v1/members/{ada['id']}/allocations"
    assert await ids(member_url) == [january["id"], march["id"], elsewhere["id"]]
    assert await ids(member_url, project_id=second["id"]) == [elsewhere["id"]]
    february = {"from": "2027-02-01", "to": "2027-02-28"}
    assert await ids(member_url, **february) == [elsewhere["id"]]
    assert await ids(member_url, **{"from": "2027-01-31"}) == [
        january["id"],
        march["id"],
        elsewhere["id"],
    ]
    assert await ids(member_url, to="2027-01-14") == [january["id"]]
    assert await ids(project_url, member_id=ada["id"], **{"from": "2027-02-01"}) == [march["id"]]
    assert await ids(project_url, updated_since=elsewhere["updated_at"]) == []
    assert await ids(member_url, updated_since=elsewhere["updated_at"]) == [elsewhere["id"]]


async def test_an_archived_projects_allocations_cannot_change(tenant: Tenant) -> None:
    project, ada = await tenant.project(), await tenant.member()
    allocation = await allocate(tenant, project, ada)
    assert (await tenant.delete(f"/v1/projects/{project['id']}")).status_code == 204
    url = f"/v1/allocations/{allocation['id']}"
    assert_problem(await tenant.patch(url, json={"percent": 5}), 409, "project-archived")
    assert_problem(await tenant.delete(url), 409, "project-archived")
    body = {"member_id": ada["id"], "start_date": "2027-01-04", "end_date": "2027-01-05"}
    response = await tenant.post(
        f"/v1/projects/{project['id']}/allocations", json={**body, "percent": 5}
    )
    assert_problem(response, 409, "project-archived")
    assert (await tenant.get(url)).json() == allocation


async def test_an_allocated_member_cannot_be_deleted(tenant: Tenant) -> None:
    ada = await tenant.member()
    await allocate(tenant, await tenant.project(), ada)
    assert_problem(await tenant.delete(f"/v1/members/{ada['id']}"), 409, "member-in-use")
