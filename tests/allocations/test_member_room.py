"""A member is on at most MAX_OVERLAPPING allocations on any one day: more is a 409 that says
so, whether the allocation is new, moved or handed to another member, and however many arrive
at once. Allocations of archived projects and on other days do not count, and an allocation
kept within its own days is never refused."""

import asyncio
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from app.allocations import service as allocations
from app.allocations.schemas import AllocationCreate
from app.allocations.service import MAX_OVERLAPPING, TooManyAllocations
from app.models import Allocation
from app.projects.service import get_project
from tests.allocations.test_allocations import allocate
from tests.factories import Tenant
from tests.problems import assert_problem

JANUARY = {"start_date": "2027-01-04", "end_date": "2027-01-29", "percent": 1}
MARCH = {"start_date": "2027-03-01", "end_date": "2027-03-26", "percent": 1}
SIX_DAYS = timedelta(days=6)


async def _booked_full(tenant: Tenant, member: dict[str, Any], less: int = 0) -> dict[str, Any]:
    """The member on MAX_OVERLAPPING - `less` allocations in January, one project each."""
    for _ in range(MAX_OVERLAPPING - less):
        await allocate(tenant, await tenant.project(), member, **JANUARY)
    return await tenant.project()


async def _post(tenant: Tenant, project: dict[str, Any], body: dict[str, Any]) -> Any:
    return await tenant.post(f"/v1/projects/{project['id']}/allocations", json=body)


async def test_one_allocation_too_many_on_the_same_days_is_refused(tenant: Tenant) -> None:
    ada, linus = await tenant.member(), await tenant.member()
    project = await _booked_full(tenant, ada)

    refused = await _post(tenant, project, {"member_id": ada["id"], **JANUARY})
    problem = assert_problem(refused, 409, "too-many-allocations")
    assert str(MAX_OVERLAPPING) in problem["detail"]
    overlapping_end = {**JANUARY, "start_date": "2026-12-01", "end_date": "2027-01-04"}
    assert_problem(await _post(tenant, project, {"member_id": ada["id"], **overlapping_end}), 409)

    march = await allocate(tenant, project, ada, **MARCH)
    assert_problem(
        await tenant.patch(f"/v1/allocations/{march['id']}", json={"start_date": "2027-01-29"}),
        409,
        "too-many-allocations",
    )
    linus_in_january = await allocate(tenant, project, linus, **JANUARY)
    handed_over = {"member_id": ada["id"]}
    response = await tenant.patch(f"/v1/allocations/{linus_in_january['id']}", json=handed_over)
    assert_problem(response, 409, "too-many-allocations")
    # A change of what the limit does not look at goes through.
    response = await tenant.patch(f"/v1/allocations/{march['id']}", json={"percent": 20})
    assert response.status_code == 200, response.text
    listed = await tenant.get(f"/v1/members/{ada['id']}/allocations", params={"limit": 200})
    assert len(listed.json()["items"]) == MAX_OVERLAPPING + 1  # January's and March's


async def test_a_year_over_back_to_back_weeks_is_booked(tenant: Tenant) -> None:
    ada, project = await tenant.member(), await tenant.project()
    monday = date(2027, 1, 4)
    for week in range(MAX_OVERLAPPING + 2):
        first = monday + timedelta(weeks=week)
        await allocate(
            tenant, project, ada, start_date=first.isoformat(), end_date=str(first + SIX_DAYS)
        )
    year = {"start_date": "2027-01-04", "end_date": "2028-01-02", "percent": 10}
    response = await _post(tenant, project, {"member_id": ada["id"], **year})
    assert response.status_code == 201, response.text


async def test_a_member_over_the_limit_can_shorten_an_allocation_but_not_extend_it(
    tenant: Tenant,
) -> None:
    """Rows stored before the limit existed: the 409 asks to end one, and ending one works."""
    ada, project = await tenant.member(), await tenant.project()
    stored = [
        Allocation(
            organization_id=tenant.organization_id,
            project_id=UUID(project["id"]),
            member_id=UUID(ada["id"]),
            start_date=date(2027, 1, 4),
            end_date=date(2027, 1, 29),
            percent=1,
        )
        for _ in range(MAX_OVERLAPPING + 2)
    ]
    async with tenant.database.transaction() as session:
        session.add_all(stored)
    url = f"/v1/allocations/{stored[0].id}"

    shortened = await tenant.patch(url, json={"start_date": "2027-01-11", "end_date": "2027-01-15"})
    assert shortened.status_code == 200, shortened.text
    assert (shortened.json()["start_date"], shortened.json()["end_date"]) == (
        "2027-01-11",
        "2027-01-15",
    )
    problem = assert_problem(
        await tenant.patch(url, json={"end_date": "2027-01-16"}), 409, "too-many-allocations"
    )
    assert "2027-01-11" in problem["detail"]  # the first full day of the new range
    assert_problem(await tenant.patch(url, json={"start_date": "2027-01-10"}), 409)


async def test_an_archived_project_frees_its_member(tenant: Tenant) -> None:
    ada = await tenant.member()
    project = await _booked_full(tenant, ada, less=1)
    last = await tenant.project()
    await allocate(tenant, last, ada, **JANUARY)
    assert_problem(await _post(tenant, project, {"member_id": ada["id"], **JANUARY}), 409)

    assert (await tenant.delete(f"/v1/projects/{last['id']}")).status_code == 204
    await allocate(tenant, project, ada, **JANUARY)


async def test_concurrent_bookings_of_one_member_count_one_after_the_other(
    tenant: Tenant,
) -> None:
    if tenant.database.settings.is_sqlite:
        pytest.skip("SQLite writers take turns: no other writer gets in between")
    ada = await tenant.member()
    await _booked_full(tenant, ada, less=1)
    caller = tenant.admin
    one_more = AllocationCreate.model_validate({"member_id": ada["id"], **JANUARY})
    first_counted = asyncio.Event()

    async def book(project_id: UUID, *, holds: bool) -> str:
        try:
            async with tenant.database.transaction() as session:
                project = await get_project(session, caller, project_id)
                if not holds:
                    await first_counted.wait()
                await allocations.create_allocation(session, caller, project, one_more)
                if holds:  # booked, not yet committed: the other books meanwhile
                    first_counted.set()
                    await asyncio.sleep(0.3)
        except TooManyAllocations:
            return "refused"
        return "booked"

    projects = [UUID((await tenant.project())["id"]) for _ in range(2)]
    answers = await asyncio.gather(book(projects[0], holds=True), book(projects[1], holds=False))
    assert answers == ["booked", "refused"]
