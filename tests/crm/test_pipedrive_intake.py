"""Pipedrive: webhooks v2 behind HTTP Basic auth; a deal counts when its status is `won`."""

from typing import Any

import httpx

from tests.crm.inbound import kept, projects, rejections, work
from tests.crm.samples import basic_auth, connection, dumps, pipedrive_message
from tests.factories import Tenant
from tests.problems import assert_problem


async def _post(
    tenant: Tenant, pipe: dict[str, Any], message: Any, password: str | None = None
) -> httpx.Response:
    headers = basic_auth(pipe["basic_auth_username"], password or pipe["secret"])
    return await tenant.client.post(pipe["path"], content=dumps(message), headers=headers)


async def test_a_won_deal_is_planned_from_the_push_without_api_access(tenant: Tenant) -> None:
    pipe = await connection(tenant, "pipedrive")
    assert pipe["basic_auth_username"] == "handover"

    response = await _post(tenant, pipe, pipedrive_message(301))

    assert response.status_code == 202, response.text
    assert response.json()["deals"] == ["301"]
    await work(tenant.database)
    [project] = await projects(tenant)
    assert project["crm_incomplete"] is False  # v2's `data` carries the deal's fields
    assert project["name"] == "Initech data platform"
    assert project["budget"] == {"amount": "48500.00", "currency": "USD"}
    customer = (await tenant.get(f"/v1/customers/{project['customer_id']}")).json()
    assert (customer["crm_source"], customer["crm_external_id"]) == ("pipedrive", "9")
    [request] = await kept(tenant, pipe["id"])
    assert "authorization" not in request["headers"]  # credentials are never kept


async def test_wrong_or_missing_credentials_are_refused(tenant: Tenant) -> None:
    pipe = await connection(tenant, "pipedrive")
    before = rejections("pipedrive", "bad_credentials")
    assert_problem(await _post(tenant, pipe, pipedrive_message(302), password="guess"), 401)
    assert rejections("pipedrive", "bad_credentials") == before + 1
    response = await tenant.client.post(
        pipe["path"],
        content=dumps(pipedrive_message(302)),
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 401)
    assert await projects(tenant) == []


async def test_duplicates_and_open_deals_change_nothing(tenant: Tenant) -> None:
    pipe = await connection(tenant, "pipedrive")
    message = pipedrive_message(303)
    await _post(tenant, pipe, message)
    retry = await _post(tenant, pipe, message)
    assert retry.json()["outcome"] == "duplicate"
    await _post(tenant, pipe, pipedrive_message(304, status="open"))
    await work(tenant.database)
    assert len(await projects(tenant)) == 1
    outcomes = [request["outcome"] for request in await kept(tenant, pipe["id"])]
    assert outcomes == ["planned", "duplicate", "ignored"]


async def test_a_later_change_updates_the_deal(tenant: Tenant) -> None:
    pipe = await connection(tenant, "pipedrive")
    await _post(tenant, pipe, pipedrive_message(305))
    await work(tenant.database)
    await _post(tenant, pipe, pipedrive_message(305, value=51000))
    await work(tenant.database)
    [project] = await projects(tenant)
    assert project["deal_value"] == {"amount": "51000.00", "currency": "USD"}
    assert project["budget"] == {"amount": "48500.00", "currency": "USD"}


async def test_a_won_deal_moved_to_lost_flags_its_project_and_closes_nothing(
    tenant: Tenant,
) -> None:
    pipe = await connection(tenant, "pipedrive")
    await _post(tenant, pipe, pipedrive_message(307))
    await work(tenant.database)
    await _post(tenant, pipe, pipedrive_message(307, status="lost"))
    await work(tenant.database)
    [project] = await projects(tenant)
    assert project["deal_lost_at"] is not None
    assert project["phase"] == "initiating"
    events = (await tenant.get("/v1/events", params={"limit": 200})).json()["items"]
    assert [event["type"] for event in events].count("deal.lost") == 1


async def test_malformed_and_oversized_bodies(tenant: Tenant) -> None:
    pipe = await connection(tenant, "pipedrive")
    for message in (
        {"data": {}},
        {"meta": {"id": "x", "entity": "deal"}, "data": {"status": "won"}},
    ):
        assert_problem(await _post(tenant, pipe, message), 422)
    big = pipedrive_message(306, notes="x" * 70_000)
    assert_problem(await _post(tenant, pipe, big), 413)
