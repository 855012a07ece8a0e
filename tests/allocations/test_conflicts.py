"""Over-allocation: every member-day range over 100% in a window, with the allocations causing it,
exact to the day, and still right (and one query) with thousands of allocations."""

import random
import uuid
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from app.models import Allocation, Member, MemberRole
from tests.allocations.test_allocations import allocate
from tests.factories import Tenant
from tests.problems import assert_problem

CONFLICTS = "/v1/allocation-conflicts"
WINDOW = {"from": "2027-01-01", "to": "2027-12-31"}


async def conflicts(tenant: Tenant, **params: str) -> list[dict[str, Any]]:
    response = await tenant.get(CONFLICTS, params={**WINDOW, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from_date"], body["to_date"]) == (
        params.get("from", WINDOW["from"]),
        params.get("to", WINDOW["to"]),
    )
    return list(body["conflicts"])


def conflict(
    member: dict[str, Any], start: str, end: str, total: int, *allocations: dict[str, Any]
) -> dict[str, Any]:
    return {
        "member_id": member["id"],
        "start_date": start,
        "end_date": end,
        "total_percent": total,
        "allocation_ids": sorted(allocation["id"] for allocation in allocations),
        "project_ids": sorted({allocation["project_id"] for allocation in allocations}),
    }


async def test_two_overlapping_allocations_over_100_percent_are_one_conflict(
    tenant: Tenant,
) -> None:
    first, second, ada = await tenant.project(), await tenant.project(), await tenant.member()
    sixty = await allocate(
        tenant, first, ada, percent=60, start_date="2027-03-01", end_date="2027-03-10"
    )
    fifty = await allocate(
        tenant, second, ada, percent=50, start_date="2027-03-08", end_date="2027-03-20"
    )
    assert await conflicts(tenant) == [conflict(ada, "2027-03-08", "2027-03-10", 110, sixty, fifty)]


async def test_exactly_100_percent_is_not_a_conflict(tenant: Tenant) -> None:
    project, ada = await tenant.project(), await tenant.member()
    await allocate(tenant, project, ada, percent=60)
    await allocate(tenant, project, ada, percent=40)
    await allocate(
        tenant, project, ada, percent=100, start_date="2027-06-01", end_date="2027-06-30"
    )
    assert await conflicts(tenant) == []


async def test_back_to_back_allocations_do_not_overlap(tenant: Tenant) -> None:
    project, ada = await tenant.project(), await tenant.member()
    await allocate(tenant, project, ada, percent=80, start_date="2027-01-01", end_date="2027-01-05")
    await allocate(tenant, project, ada, percent=80, start_date="2027-01-06", end_date="2027-01-09")
    assert await conflicts(tenant) == []


async def test_each_change_of_the_allocations_starts_a_new_range(tenant: Tenant) -> None:
    project, ada = await tenant.project(), await tenant.member()
    a = await allocate(
        tenant, project, ada, percent=60, start_date="2027-01-01", end_date="2027-01-10"
    )
    b = await allocate(
        tenant, project, ada, percent=50, start_date="2027-01-03", end_date="2027-01-05"
    )
    c = await allocate(
        tenant, project, ada, percent=50, start_date="2027-01-05", end_date="2027-01-08"
    )
    assert await conflicts(tenant) == [
        conflict(ada, "2027-01-03", "2027-01-04", 110, a, b),
        conflict(ada, "2027-01-05", "2027-01-05", 160, a, b, c),
        conflict(ada, "2027-01-06", "2027-01-08", 110, a, c),
    ]


async def test_conflicts_are_cut_to_the_window(tenant: Tenant) -> None:
    project, ada = await tenant.project(), await tenant.member()
    a = await allocate(
        tenant, project, ada, percent=70, start_date="2026-12-01", end_date="2027-02-28"
    )
    b = await allocate(
        tenant, project, ada, percent=70, start_date="2027-01-20", end_date="2027-03-31"
    )
    window = {"from": "2027-02-01", "to": "2027-02-10"}
    assert await conflicts(tenant, **window) == [
        conflict(ada, "2027-02-01", "2027-02-10", 140, a, b)
    ]
    assert await conflicts(tenant, **{"from": "2027-03-01", "to": "2027-03-31"}) == []


async def test_archived_projects_do_not_count(tenant: Tenant) -> None:
    active, archived, ada = await tenant.project(), await tenant.project(), await tenant.member()
    await allocate(tenant, active, ada, percent=60)
    await allocate(tenant, archived, ada, percent=60)
    assert len(await conflicts(tenant)) == 1
    assert (await tenant.delete(f"/v1/projects/{archived['id']}")).status_code == 204
    assert await conflicts(tenant) == []


async def test_conflicts_are_per_member_and_filterable(tenant: Tenant) -> None:
    project = await tenant.project()
    ada, grace, linus = await tenant.member(), await tenant.member(), await tenant.member()
    ada_a = await allocate(tenant, project, ada, percent=60)
    ada_b = await allocate(tenant, project, ada, percent=60)
    grace_a = await allocate(tenant, project, grace, percent=60)
    grace_b = await allocate(tenant, project, grace, percent=60, end_date="2027-01-04")
    await allocate(tenant, project, linus, percent=60)  # with Ada's, 180% — but two people
    expected = {
        ada["id"]: conflict(ada, "2027-01-04", "2027-01-29", 120, ada_a, ada_b),
        grace["id"]: conflict(grace, "2027-01-04", "2027-01-04", 120, grace_a, grace_b),
    }
    assert await conflicts(tenant) == [expected[key] for key in sorted(expected, key=UUID)]
    assert await conflicts(tenant, member_id=ada["id"]) == [expected[ada["id"]]]
    assert await conflicts(tenant, member_id=linus["id"]) == []


async def test_member_filter_with_someone_outside_the_organization_is_422(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    stranger = await other_tenant.member()
    response = await tenant.get(CONFLICTS, params={**WINDOW, "member_id": stranger["id"]})
    problem = assert_problem(response, 422, "invalid-input")
    assert problem["errors"][0]["loc"] == ["query", "member_id"]


async def test_another_organizations_allocations_never_show(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project, ada = await other_tenant.project(), await other_tenant.member()
    await allocate(other_tenant, project, ada, percent=60)
    await allocate(other_tenant, project, ada, percent=60)
    assert await conflicts(tenant) == []
    assert len(await conflicts(other_tenant)) == 1


@pytest.mark.parametrize(
    ("params", "loc", "error_type"),
    [
        ({"from": "2027-01-10", "to": "2027-01-09"}, ["query", "to"], "date_order"),
        ({"from": "2027-01-01", "to": "2028-01-02"}, ["query", "to"], "range_too_long"),
        ({"from": "2027-01-01"}, ["query", "to"], "missing"),
        ({"to": "2027-01-01"}, ["query", "from"], "missing"),
        ({"from": "January", "to": "2027-01-01"}, ["query", "from"], "date_format"),
    ],
)
async def test_the_window_is_required_and_at_most_366_days(
    tenant: Tenant, params: dict[str, str], loc: list[str], error_type: str
) -> None:
    problem = assert_problem(await tenant.get(CONFLICTS, params=params), 422)
    assert [(error["loc"], error["type"]) for error in problem["errors"]] == [(loc, error_type)]


async def test_a_leap_year_is_a_valid_window(tenant: Tenant) -> None:
    response = await tenant.get(CONFLICTS, params={"from": "2028-01-01", "to": "2028-12-31"})
    assert response.status_code == 200


def _expected(
    bookings: list[Allocation], start: date, end: date, archived: UUID
) -> list[dict[str, Any]]:
    """The conflicts, day by day, the slow and obvious way."""
    expected: list[dict[str, Any]] = []
    by_member: dict[UUID, list[Allocation]] = {}
    for booking in bookings:
        if booking.project_id != archived:
            by_member.setdefault(booking.member_id, []).append(booking)
    for member_id in sorted(by_member):
        previous: frozenset[UUID] = frozenset()
        day = start
        while day <= end:
            today = [b for b in by_member[member_id] if b.start_date <= day <= b.end_date]
            ids = frozenset(b.id for b in today)
            total = sum(b.percent for b in today)
            if total > 100 and ids == previous:
                expected[-1]["end_date"] = day.isoformat()
            elif total > 100:
                expected.append(
                    {
                        "member_id": str(member_id),
                        "start_date": day.isoformat(),
                        "end_date": day.isoformat(),
                        "total_percent": total,
                        "allocation_ids": sorted(str(i) for i in ids),
                        "project_ids": sorted({str(b.project_id) for b in today}),
                    }
                )
            previous = ids if total > 100 else frozenset()
            day += timedelta(days=1)
    return expected


async def test_thousands_of_allocations_give_exact_conflicts(tenant: Tenant) -> None:
    projects = [UUID((await tenant.project())["id"]) for _ in range(3)]
    archived = projects[2]
    members = [
        Member(
            organization_id=tenant.organization_id,
            name=f"Person {index}",
            email=f"p{index}-{uuid.uuid4().hex[:6]}@example.com",
            role=MemberRole.delivery,
        )
        for index in range(100)
    ]
    start = date(2027, 1, 1)
    rng = random.Random(20270101)
    bookings: list[Allocation] = []
    for member in members[1:]:
        for _ in range(20):
            first = start + timedelta(days=rng.randint(-40, 360))
            bookings.append(
                Allocation(
                    organization_id=tenant.organization_id,
                    project_id=rng.choice(projects),
                    member_id=member.id,
                    start_date=first,
                    end_date=first + timedelta(days=rng.randint(0, 60)),
                    percent=rng.choice([10, 20, 25, 30, 40, 50, 60, 75, 100]),
                )
            )
    known = members[0]

    def book(project_id: UUID, first_day: int, last_day: int, percent: int) -> Allocation:
        return Allocation(
            organization_id=tenant.organization_id,
            project_id=project_id,
            member_id=known.id,
            start_date=start + timedelta(days=first_day),
            end_date=start + timedelta(days=last_day),
            percent=percent,
        )

    # 60% for ten days every twenty; on top: 50% over days 68–74 (110% on days 68–69),
    # 40% on days 60–61 (exactly 100%: no conflict), and an archived project's 90% on day 100.
    known_bookings = [book(projects[i % 2], 20 * i, 20 * i + 9, 60) for i in range(17)]
    fifty = book(projects[1], 68, 74, 50)
    known_bookings += [fifty, book(projects[0], 60, 61, 40), book(archived, 100, 100, 90)]
    sixty = known_bookings[3]
    bookings.extend(known_bookings)
    assert len(bookings) == 2000
    async with tenant.database.transaction() as session:
        session.add_all(members)
        await session.flush()
        session.add_all(bookings)
    assert (await tenant.delete(f"/v1/projects/{archived}")).status_code == 204

    found = await conflicts(tenant)
    assert found == _expected(bookings, start, date(2027, 12, 31), archived)
    assert len(found) > 50

    mine = await conflicts(tenant, member_id=str(known.id))
    assert mine == [
        {
            "member_id": str(known.id),
            "start_date": (start + timedelta(days=68)).isoformat(),
            "end_date": (start + timedelta(days=69)).isoformat(),
            "total_percent": 110,
            "allocation_ids": sorted([str(sixty.id), str(fifty.id)]),
            "project_ids": sorted({str(sixty.project_id), str(fifty.project_id)}),
        }
    ]
