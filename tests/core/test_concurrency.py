"""Many writers at once: every write lands, none sees "database is locked" (SQLite) or a 500."""

import asyncio

from tests.factories import Tenant


async def test_concurrent_writes_all_succeed(tenant: Tenant) -> None:
    customer = await tenant.customer()

    async def write(index: int) -> int:
        if index % 2:
            response = await tenant.post(
                "/v1/members",
                json={"name": f"M{index}", "email": f"m{index}@example.com", "role": "delivery"},
            )
        else:
            response = await tenant.post(
                "/v1/projects", json={"name": f"P{index}", "customer_id": customer["id"]}
            )
        return response.status_code

    statuses = await asyncio.gather(*(write(index) for index in range(60)))
    assert statuses == [201] * 60
    members = (await tenant.get("/v1/members", params={"limit": 200})).json()["items"]
    projects = (await tenant.get("/v1/projects", params={"limit": 200})).json()["items"]
    assert (len(members), len(projects)) == (30, 30)


async def test_concurrent_retries_with_one_key_create_once(tenant: Tenant) -> None:
    async def retry() -> int:
        response = await tenant.post(
            "/v1/customers", json={"name": "Once"}, headers={"Idempotency-Key": "burst"}
        )
        return response.status_code

    statuses = await asyncio.gather(*(retry() for _ in range(10)))
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert len((await tenant.get("/v1/customers")).json()["items"]) == 1


async def test_concurrent_patches_never_lose_an_update(tenant: Tenant) -> None:
    member = await tenant.member()
    url = f"/v1/members/{member['id']}"

    async def bump(hours: int) -> int:
        response = await tenant.patch(
            url, json={"weekly_capacity_hours": hours}, headers={"If-Match": '"1"'}
        )
        return response.status_code

    statuses = await asyncio.gather(*(bump(hours) for hours in range(10, 20)))
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 412}
    assert (await tenant.get(url)).json()["version"] == 2
