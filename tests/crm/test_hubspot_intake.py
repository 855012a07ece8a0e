"""HubSpot: signature v3 over the public URL, deal stage changes in a JSON array."""

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import close_app, settings_for
from tests.crm.inbound import kept, projects, rejections, work
from tests.crm.samples import connection, dumps, hubspot_events, signed_hubspot
from tests.factories import Tenant
from tests.problems import assert_problem

SECRET = "hubspot-app-secret-0123"
CALLED = "http://handover.test"  # where the tests' client calls the app
PUBLIC = "https://handover.example.com"


async def _post(
    tenant: Tenant,
    hub: dict[str, Any],
    settings: Settings,
    events: Any,
    at_ms: int | None = None,
) -> httpx.Response:
    body = dumps(events)
    headers = signed_hubspot(SECRET, CALLED + hub["path"], body, at_ms)
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


@pytest.fixture
async def proxied(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The same database, served behind a proxy: HANDOVER_PUBLIC_BASE_URL names the public URL,
    and requests come in on the proxy's upstream address."""
    app = create_app(
        settings_for(database_url, public_base_url=PUBLIC + "/", dispatcher_enabled=False)
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.7:8000") as http:
        yield http
    await close_app(app)


async def test_without_the_setting_the_signature_covers_the_url_the_request_came_in_on(
    tenant: Tenant,
) -> None:
    hub = await connection(tenant, "hubspot")
    assert hub["intake_url"] == CALLED + hub["path"]
    body = dumps(hubspot_events(1))
    as_called = signed_hubspot(SECRET, hub["intake_url"], body)
    response = await tenant.client.post(hub["path"], content=body, headers=as_called)
    assert response.status_code == 202, response.text


async def test_behind_a_proxy_the_signature_covers_the_public_url_not_the_forwarded_one(
    tenant: Tenant, proxied: httpx.AsyncClient
) -> None:
    hub = await connection(tenant, "hubspot")
    read = await proxied.get(f"/v1/crm-connections/{hub['id']}", headers=tenant.headers())
    assert read.json()["intake_url"] == PUBLIC + hub["path"]
    body = dumps(hubspot_events(1))
    as_forwarded = signed_hubspot(SECRET, "http://10.0.0.7:8000" + hub["path"], body)
    assert_problem(await proxied.post(hub["path"], content=body, headers=as_forwarded), 401)
    [refused] = await kept(tenant, hub["id"])
    # the kept record says which URL the signature was checked against: the mismatch shows
    assert refused["detail"] == f"bad_signature: checked as signed over POST {PUBLIC}{hub['path']}"

    as_public = signed_hubspot(SECRET, PUBLIC + hub["path"], body)
    response = await proxied.post(hub["path"], content=body, headers=as_public)
    assert response.status_code == 202, response.text


async def test_a_bad_signature_and_a_stale_timestamp_are_refused(
    tenant: Tenant, settings: Settings
) -> None:
    hub = await connection(tenant, "hubspot")
    body = dumps(hubspot_events(2))
    headers = signed_hubspot("not-the-app-secret", CALLED + hub["path"], body)
    before = rejections("hubspot", "bad_signature")
    assert_problem(await tenant.client.post(hub["path"], content=body, headers=headers), 401)
    assert rejections("hubspot", "bad_signature") == before + 1

    stale = int((time.time() - 301) * 1000)
    assert_problem(await _post(tenant, hub, settings, hubspot_events(2), at_ms=stale), 401)
    assert [r["detail"] for r in await kept(tenant, hub["id"])] == [
        f"bad_signature: checked as signed over POST {CALLED}{hub['path']}",
        "stale_timestamp",
    ]
    assert await projects(tenant) == []


@pytest.mark.parametrize(
    "timestamp",
    [b"\xb2", b"9" * 400, b"1" * 5000],  # a superscript two (isdigit, not int), floats', int()'s
    ids=["superscript-two", "beyond-float", "beyond-int"],
)
async def test_a_timestamp_that_is_no_time_is_refused_as_missing(
    tenant: Tenant, timestamp: bytes
) -> None:
    hub = await connection(tenant, "hubspot")
    headers = [
        (b"content-type", b"application/json"),
        (b"x-hubspot-request-timestamp", timestamp),  # Starlette reads header bytes as latin-1
        (b"x-hubspot-signature-v3", b"AAAA"),
    ]
    response = await tenant.client.post(
        hub["path"], content=dumps(hubspot_events(1)), headers=headers
    )
    assert_problem(response, 401)
    assert [r["detail"] for r in await kept(tenant, hub["id"])] == ["missing_headers"]


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
