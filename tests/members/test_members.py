"""Members: the people of an organization, one per email, kept while they are on a project."""

import asyncio

import pytest
from sqlmodel import select

from app.models import Member
from tests.factories import Tenant
from tests.problems import assert_problem, locations


async def _stored_emails(tenant: Tenant) -> list[str]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Member.email).where(Member.organization_id == tenant.organization_id)
        )
        return sorted(rows)


async def test_created_member_can_be_read_back(tenant: Tenant) -> None:
    created = await tenant.member(name="Grace Hopper", email="Grace@Navy.example", role="sales")
    assert created["email"] == "grace@navy.example"
    response = await tenant.get(f"/v1/members/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == '"1"'


async def test_member_round_trip_create_list_change_delete(tenant: Tenant) -> None:
    response = await tenant.post(
        "/v1/members",
        json={"name": "  Ada Lovelace  ", "email": "ada@example.com", "role": "project_manager"},
    )
    assert response.status_code == 201
    ada = response.json()
    assert ada["name"] == "Ada Lovelace"
    assert ada["weekly_capacity_hours"] == 40
    assert ada["version"] == 1
    assert response.headers["etag"] == '"1"'
    grace = await tenant.member(name="Grace Hopper", role="delivery")

    listed = (await tenant.get("/v1/members")).json()
    assert [member["id"] for member in listed["items"]] == [ada["id"], grace["id"]]
    assert listed["next_cursor"] is None

    url = f"/v1/members/{ada['id']}"
    changed = await tenant.patch(url, json={"role": "executive", "weekly_capacity_hours": 32})
    assert changed.status_code == 200
    body = changed.json()
    assert (body["role"], body["weekly_capacity_hours"], body["version"]) == ("executive", 32, 2)
    assert (body["name"], body["email"]) == ("Ada Lovelace", "ada@example.com")
    assert changed.headers["etag"] == '"2"'
    assert (await tenant.get(url)).json() == body

    assert (await tenant.delete(url)).status_code == 204
    assert_problem(await tenant.get(url), 404, "not-found")
    remaining = (await tenant.get("/v1/members")).json()["items"]
    assert [member["id"] for member in remaining] == [grace["id"]]


async def test_email_is_stored_lower_cased(tenant: Tenant) -> None:
    created = await tenant.member(email="Ada.Lovelace@Example.COM")
    assert created["email"] == "ada.lovelace@example.com"
    assert await _stored_emails(tenant) == ["ada.lovelace@example.com"]
    changed = await tenant.patch(
        f"/v1/members/{created['id']}", json={"email": "ADA@Analytical.Example"}
    )
    assert changed.status_code == 200
    assert changed.json()["email"] == "ada@analytical.example"
    assert await _stored_emails(tenant) == ["ada@analytical.example"]


async def test_second_member_with_the_same_email_is_409(tenant: Tenant) -> None:
    await tenant.member(email="ada@example.com")
    for email in ("ada@example.com", "ADA@Example.com"):
        response = await tenant.post(
            "/v1/members", json={"name": "Other Ada", "email": email, "role": "sales"}
        )
        problem = assert_problem(response, 409, "email-taken")
        assert "ada@example.com" in problem["detail"]
    assert await _stored_emails(tenant) == ["ada@example.com"]


async def test_same_email_is_fine_in_another_organization(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await tenant.member(email="ada@example.com")
    theirs = await other_tenant.member(email="Ada@Example.com")
    assert theirs["email"] == mine["email"] == "ada@example.com"
    assert theirs["id"] != mine["id"]


async def test_concurrent_creates_with_one_email_create_one_member(tenant: Tenant) -> None:
    async def create(index: int) -> int:
        body = {"name": f"Ada {index}", "email": "ada@example.com", "role": "delivery"}
        return (await tenant.post("/v1/members", json=body)).status_code

    statuses = await asyncio.gather(*(create(index) for index in range(6)))
    assert sorted(statuses) == [201] + [409] * 5
    assert await _stored_emails(tenant) == ["ada@example.com"]


async def test_changing_the_email_to_a_taken_one_is_409_and_changes_nothing(
    tenant: Tenant,
) -> None:
    await tenant.member(email="ada@example.com")
    grace = await tenant.member(name="Grace", email="grace@example.com", role="delivery")
    url = f"/v1/members/{grace['id']}"
    response = await tenant.patch(url, json={"name": "Grace H.", "email": "Ada@example.com"})
    assert_problem(response, 409, "email-taken")
    after = await tenant.get(url)
    assert after.json() == grace
    assert after.headers["etag"] == '"1"'
    assert await _stored_emails(tenant) == ["ada@example.com", "grace@example.com"]


async def test_changing_only_the_case_of_ones_own_email_is_allowed(tenant: Tenant) -> None:
    ada = await tenant.member(email="ada@example.com")
    response = await tenant.patch(f"/v1/members/{ada['id']}", json={"email": "ADA@example.com"})
    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"


async def test_a_deleted_members_email_can_be_used_again(tenant: Tenant) -> None:
    ada = await tenant.member(email="ada@example.com")
    assert (await tenant.delete(f"/v1/members/{ada['id']}")).status_code == 204
    again = await tenant.member(email="ada@example.com")
    assert again["id"] != ada["id"]


@pytest.mark.parametrize("field", ["name", "email", "role", "weekly_capacity_hours"])
async def test_null_for_a_required_field_in_patch_is_422_and_changes_nothing(
    tenant: Tenant, field: str
) -> None:
    ada = await tenant.member()
    url = f"/v1/members/{ada['id']}"
    response = await tenant.patch(url, json={field: None})
    problem = assert_problem(response, 422, "validation")
    assert ("body", field) in locations(problem)
    assert (await tenant.get(url)).json() == ada


async def test_empty_patch_changes_nothing(tenant: Tenant) -> None:
    ada = await tenant.member()
    response = await tenant.patch(f"/v1/members/{ada['id']}", json={})
    assert response.status_code == 200
    assert response.json() == ada


@pytest.mark.parametrize("hours", [0, 168])
async def test_weekly_capacity_may_be_anything_from_0_to_168(tenant: Tenant, hours: int) -> None:
    created = await tenant.member(weekly_capacity_hours=hours)
    assert created["weekly_capacity_hours"] == hours
    other = await tenant.member()
    changed = await tenant.patch(
        f"/v1/members/{other['id']}", json={"weekly_capacity_hours": hours}
    )
    assert changed.status_code == 200
    assert changed.json()["weekly_capacity_hours"] == hours


@pytest.mark.parametrize("hours", [-1, 169])
async def test_weekly_capacity_outside_0_to_168_is_422(tenant: Tenant, hours: int) -> None:
    body = {"name": "Ada", "email": "ada@example.com", "role": "delivery"}
    response = await tenant.post("/v1/members", json={**body, "weekly_capacity_hours": hours})
    problem = assert_problem(response, 422, "validation")
    assert locations(problem) == {("body", "weekly_capacity_hours")}
    other = await tenant.member(email="grace@example.com")
    url = f"/v1/members/{other['id']}"
    response = await tenant.patch(url, json={"weekly_capacity_hours": hours})
    assert_problem(response, 422, "validation")
    assert (await tenant.get(url)).json()["weekly_capacity_hours"] == 40
    assert await _stored_emails(tenant) == ["grace@example.com"]


@pytest.mark.parametrize("field", ["project_manager_id", "sales_owner_id"])
async def test_deleting_a_member_who_is_on_a_project_is_409_and_keeps_them(
    tenant: Tenant, field: str
) -> None:
    ada = await tenant.member()
    project = await tenant.project(**{field: ada["id"]})
    url = f"/v1/members/{ada['id']}"
    assert_problem(await tenant.delete(url), 409, "member-in-use")
    assert (await tenant.get(url)).json() == ada
    # Reassigned, the member can go.
    reassigned = await tenant.patch(f"/v1/projects/{project['id']}", json={field: None})
    assert reassigned.status_code == 200
    assert (await tenant.delete(url)).status_code == 204
    assert await _stored_emails(tenant) == []


async def test_a_member_on_an_archived_project_is_still_in_use(tenant: Tenant) -> None:
    ada = await tenant.member()
    project = await tenant.project(project_manager_id=ada["id"])
    assert (await tenant.delete(f"/v1/projects/{project['id']}")).status_code == 204
    assert_problem(await tenant.delete(f"/v1/members/{ada['id']}"), 409, "member-in-use")
    assert (await tenant.get(f"/v1/members/{ada['id']}")).status_code == 200


async def test_updated_since_without_a_time_zone_is_422(tenant: Tenant) -> None:
    await tenant.member()
    response = await tenant.get("/v1/members", params={"updated_since": "2026-01-01T00:00:00"})
    assert response.status_code == 422, response.text
    assert ("query", "updated_since") in locations(response.json())
