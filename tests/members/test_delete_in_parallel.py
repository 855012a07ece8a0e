"""A member deleted while other requests name them (an allocation, a RACI assignment, a risk's
owner, an action item, the project's manager): each of those either names a member who is still
there (and the deletion is a 409 `member-in-use`) or finds the member gone (a 422, as when sent
after the deletion). None is a 500."""

import asyncio
from collections.abc import Awaitable
from datetime import date, timedelta
from typing import Any

import httpx

from tests.factories import Tenant

ROUNDS = 3


async def _after(delay: float, request: Awaitable[httpx.Response]) -> httpx.Response:
    await asyncio.sleep(delay)
    return await request


def _writes_naming(tenant: Tenant, project_id: str, member_id: str, other_id: str) -> list[Any]:
    url = f"/v1/projects/{project_id}"
    writes = []
    for n in range(3):
        begins = date(2030, 1, 1) + timedelta(days=20 * n)
        allocation = {
            "member_id": member_id,
            "start_date": str(begins),
            "end_date": str(begins + timedelta(days=5)),
            "percent": 10,
        }
        activity = {
            "name": f"Step {n}",
            "phase": "executing",
            "assignments": [
                {"member_id": member_id, "role": "A"},
                {"member_id": other_id, "role": "R"},
            ],
        }
        risk = {
            "title": "Old data",
            "category": "schedule",
            "probability": 2,
            "impact": 3,
            "response": "accept",
            "owner_id": member_id,
        }
        writes += [
            tenant.post(f"{url}/allocations", json=allocation),
            tenant.post(f"{url}/activities", json=activity),
            tenant.post(f"{url}/risks", json=risk),
            tenant.post(f"{url}/action-items", json={"title": "Call", "owner_id": member_id}),
        ]
    writes.append(tenant.patch(url, json={"sales_owner_id": member_id}))
    return writes


async def test_a_member_deleted_while_being_named_is_a_409_or_a_422_never_a_500(
    tenant: Tenant,
) -> None:
    answers: list[httpx.Response] = []
    for _ in range(ROUNDS):
        project = await tenant.project()
        member, other = await tenant.member(), await tenant.member()
        writes = _writes_naming(tenant, project["id"], member["id"], other["id"])
        # Spread over a few milliseconds, so that the deletion lands amid the writes' checks.
        staggered = [_after(0.002 * n, write) for n, write in enumerate(writes)]
        staggered.insert(4, tenant.delete(f"/v1/members/{member['id']}"))
        answers += await asyncio.gather(*staggered)

    refused = [a for a in answers if a.status_code not in {201, 200, 204, 409, 412, 422}]
    assert refused == [], [(a.request.url.path, a.status_code, a.text[:200]) for a in refused]
