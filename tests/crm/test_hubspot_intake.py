"""HubSpot: signature v3 over the public URL, deal stage changes in a JSON array."""

import time
from typing import Any

import httpx

from app.settings import Settings
from tests.crm.inbound import kept, projects, rejections, work
from tests.crm.samples import connection, dumps, hubspot_events, signed_hubspot
from tests.factories import Tenant
from tests.problems import assert_problem

SECRET = "hubspot-app-secret-0123"


async def _post(
    tenant: Tenant,
    hub: dict[str, Any],
    settings: Settings,
    events: Any,
    at_ms: int | None = None,
) -> httpx.Response:
    body = dumps(events)
    headers = signed_hubspot(SECRET, settings.public_base_url + hub["path"], body, at_ms)
    return await tenant.client.post(hub["path"], content=body, headers=headers)


async def test_a_won_deal_is_kept_at_once_and_planned_by_the_worker(
    tenant: Tenant, settings: Settings
) -> None:
    hub = await connection(tenant, "hubspot", won_stages=["closedwon", "4711"])
    assert hub["secret"] is None  # the app secret is HubSpot's: never shown back

    response = await _post(tenant, hub, settings, hubspot_events(1234567, stage="4711"))

    assert response.status_code == 202, response.text
    assert response.json()["outcome"] == "received"
    assert response.json()["deals"] == ["1234567"]
    assert await projects(tenant) == []  # nothing is planned inside the request
    [request] = await kept(tenant, hub["id"])
    assert request["outcome"] == "received"

    await work(tenant.database)

    # Without API access the event's id is all there is: a placeholder, flagged incomplete.
    [project] = await projects(tenant)
    assert project["name"] == "HubSpot deal 1234567"
    assert project["crm_incomplete"] is True
    [request] = await kept(tenant, hub["id"])
    assert request["outcome"] == "planned"
    assert request["project_ids"] == [project["id"]]


async def test_the_signature_covers_the_public_url_not_the_forwarded_one(
    tenant: Tenant, settings: Settings
) -> None:
    hub = await connection(tenant, "hubspot")
    body = dumps(hubspot_events(1))
    as_forwarded = signed_hubspot(SECRET, "http://handover.test" + hub["path"], body)
    response = await tenant.client.post(hub["path"], content=body, headers=as_forwarded)
    assert_problem(response, 401)


async def test_a_bad_signature_and_a_stale_timestamp_are_refused(
    tenant: Tenant, settings: Settings
) -> None:
    hub = await connection(tenant, "hubspot")
    body = dumps(hubspot_events(2))
    headers = signed_hubspot("not-the-app-secret", settings.public_base_url + hub["path"], body)
    before = rejections("hubspot", "bad_signature")
    assert_problem(await tenant.client.post(hub["path"], content=body, headers=headers), 401)
    assert rejections("hubspot", "bad_signature") == before + 1

    stale = int((time.time() - 301) * 1000)
    assert_problem(await _post(tenant, hub, settings, hubspot_events(2), at_ms=stale), 401)
    assert [r["detail"] for r in await kept(tenant, hub["id"])] == [
        "bad_signature",
        "stale_timestamp",
    ]
    assert await projects(tenant) == []


async def test_a_duplicate_delivery_and_a_non_won_stage_change_nothing(
    tenant: Tenant, settings: Settings
) -> None:
    hub = await connection(tenant, "hubspot")
    events = hubspot_events(3)
    first = await _post(tenant, hub, settings, events)
    again = await _post(tenant, hub, settings, events)  # HubSpot retries the same events
    assert again.status_code == 200
    assert (first.json()["outcome"], again.json()["outcome"]) == ("received", "duplicate")

    other = await _post(tenant, hub, settings, hubspot_events(4, stage="appointmentscheduled"))
    assert other.json()["outcome"] == "received"
    await work(tenant.database)
    assert len(await projects(tenant)) == 1
    outcomes = [request["outcome"] for request in await kept(tenant, hub["id"])]
    assert outcomes == ["planned", "duplicate", "ignored"]


async def test_an_amount_change_updates_the_known_deal(tenant: Tenant, settings: Settings) -> None:
    hub = await connection(tenant, "hubspot")
    await _post(tenant, hub, settings, hubspot_events(5))
    await work(tenant.database)
    change = hubspot_events(5, propertyName="amount", propertyValue="56000.5")
    await _post(tenant, hub, settings, change)
    await work(tenant.database)
    [project] = await projects(tenant)
    assert project["name"] == "HubSpot deal 5"  # an amount change never renames the project
    [*_, request] = await kept(tenant, hub["id"])
    [deal_id] = request["deal_ids"]
    stored = (await tenant.get(f"/v1/deals/{deal_id}")).json()
    # without API access HubSpot's event has no currency: the deal keeps none (with access,
    # the worker reads it from HubSpot: tests/crm/test_crm_api.py)
    assert stored["amount"] is None


async def test_a_malformed_body_is_422(tenant: Tenant, settings: Settings) -> None:
    hub = await connection(tenant, "hubspot")
    for events in ({"objectId": 1}, [], [{"objectId": 1}]):
        response = await _post(tenant, hub, settings, events)
        assert_problem(response, 422)
    assert len(await kept(tenant, hub["id"])) == 3


async def test_an_oversized_body_is_413(tenant: Tenant, settings: Settings) -> None:
    hub = await connection(tenant, "hubspot")
    events = hubspot_events(6) * 800
    response = await _post(tenant, hub, settings, events)
    assert_problem(response, 413)
