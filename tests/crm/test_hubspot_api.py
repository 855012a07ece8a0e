"""HubSpot deals arrive whole: the push names a deal, HubSpot's own API (a fake on 127.0.0.1,
answering in its documented v3 shapes) tells the rest, and the project is planned from it."""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import update
from sqlmodel import col

from app.db import Database
from app.models import CrmApiPause, CrmConnection, CrmInboundRequest
from app.models.base import utcnow
from tests.crm.conftest import TOKEN
from tests.crm.elsewhere import run_elsewhere
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.inbound import kept, projects, work
from tests.crm.samples import connection, dumps, hubspot_events, signed_hubspot
from tests.factories import Tenant

SECRET = "hubspot-app-secret-0123"


def _a_deal(hubspot: HubSpotFake, deal_id: int, **overrides: Any) -> None:
    """Deal `deal_id` of Globex, sold by Sam, with two line items and two contacts."""
    hubspot.add_owner(501, "sam.seller@example.com", "Sam", "Seller")
    hubspot.add_company(7001, "Globex Corporation", "globex.example")
    hubspot.add_contact(8001, "Hank", "Scorpio", "hank@globex.example", "CEO")
    hubspot.add_contact(8002, "Frank", "Grimes", "frank@globex.example")
    hubspot.add_line_item(9001 + deal_id, "Implementation", 1, "90000")
    hubspot.add_line_item(9501 + deal_id, "Training day", 3, "1500", sku="TRN-1")
    values: dict[str, Any] = {
        "dealname": "Globex CRM rollout",
        "amount": "94500",
        "hubspot_owner_id": 501,
        "description": "300 seats, SSO, migration of the legacy CRM",
        "deal_currency_code": "EUR",
        "companies": [7001],
        "contacts": [8001, 8002],
        "line_items": [9001 + deal_id, 9501 + deal_id],
        **overrides,
    }
    hubspot.add_deal(deal_id, **values)


async def _hub(tenant: Tenant, hubspot: HubSpotFake, **overrides: Any) -> dict[str, Any]:
    return await connection(
        tenant,
        "hubspot",
        api_token=TOKEN,
        api_base_url=hubspot.base_url,
        **overrides,
    )


async def _push(tenant: Tenant, hub: dict[str, Any], *deal_ids: int, stage: str = "closedwon"):
    events = [event for deal_id in deal_ids for event in hubspot_events(deal_id, stage=stage)]
    body = dumps(events)
    public_url = "http://handover.test" + hub["path"]  # where the tests' client calls
    response = await tenant.client.post(
        hub["path"], content=body, headers=signed_hubspot(SECRET, public_url, body)
    )
    assert response.status_code == 202, response.text
    return response


def _api_calls(connection_id: str) -> float:
    return sum(
        sample.value
        for metric in REGISTRY.collect()
        if metric.name == "handover_crm_api_calls"
        for sample in metric.samples
        if sample.name.endswith("_total") and sample.labels.get("connection_id") == connection_id
    )


async def test_a_won_deal_is_completed_from_hubspot_and_planned_whole(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    seller = await tenant.member(role="sales", email="Sam.Seller@example.com")
    _a_deal(hubspot, 9000000002)
    hub = await _hub(tenant, hubspot)

    await _push(tenant, hub, 9000000002)
    await work(worker_database())

    [project] = await projects(tenant)
    assert project["name"] == "Globex CRM rollout"
    assert project["budget"] == {"amount": "94500.00", "currency": "EUR"}
    assert project["sales_owner_id"] == seller["id"]
    assert project["crm_incomplete"] is False
    assert project["description"] == (
        "300 seats, SSO, migration of the legacy CRM\nWhat was sold:\n"
        "- 1 × Implementation at 90000.00\n- 3 × Training day [TRN-1] at 1500.00"
    )
    customer = (await tenant.get(f"/v1/customers/{project['customer_id']}")).json()
    assert (customer["name"], customer["website"]) == (
        "Globex Corporation",
        "https://globex.example",
    )
    assert (customer["crm_source"], customer["crm_external_id"]) == ("hubspot", "7001")
    assert {(c["name"], c["email"], c["title"]) for c in customer["contacts"]} == {
        ("Hank Scorpio", "hank@globex.example", "CEO"),
        ("Frank Grimes", "frank@globex.example", None),
    }
    activities = (await tenant.get(f"/v1/projects/{project['id']}/activities")).json()["items"]
    staffed = {a["member_id"] for activity in activities for a in activity["assignments"]}
    assert seller["id"] in staffed  # the template's RACI rows, staffed with the deal's people
    assert len(activities) == 3
    [request] = [r for r in await kept(tenant, hub["id"]) if r["kind"] == "push"]
    assert (request["outcome"], request["project_ids"]) == ("planned", [project["id"]])
    assert all(call.headers["authorization"] == f"Bearer {TOKEN}" for call in hubspot.calls)
    assert _api_calls(hub["id"]) == len(hubspot.calls)


async def test_a_deal_in_the_portal_currency_keeps_its_amount(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    hubspot.company_currency = "GBP"
    _a_deal(hubspot, 4242, deal_currency_code=None)
    hub = await _hub(local_tenant, hubspot)
    await _push(local_tenant, hub, 4242)
    await work(worker_database())
    [project] = await projects(local_tenant)
    assert project["budget"] == {"amount": "94500.00", "currency": "GBP"}


async def test_a_hundred_deals_cost_a_handful_of_batch_reads(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    ids = list(range(7_000_000, 7_000_100))
    for deal_id in ids:
        _a_deal(hubspot, deal_id, dealname=f"Deal {deal_id}")
    hub = await _hub(local_tenant, hubspot)
    await _push(local_tenant, hub, *ids)
    await work(worker_database())

    listed = (await local_tenant.get("/v1/projects", params={"limit": 200})).json()["items"]
    assert sorted(project["name"] for project in listed) == [f"Deal {i}" for i in ids]
    assert all(project["crm_incomplete"] is False for project in listed)
    assert len(hubspot.calls) <= 20, [call.path for call in hubspot.calls]


async def test_a_429_is_waited_out_as_hubspot_asks(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    _a_deal(hubspot, 31)
    hub = await _hub(local_tenant, hubspot)
    await work(worker_database())  # the first sync, out of the way
    hubspot.reset_calls()
    hubspot.fail_next(2, status=429, retry_after=1)
    await _push(local_tenant, hub, 31)
    started = time.monotonic()
    await work(worker_database())
    [project] = await projects(local_tenant)
    assert project["name"] == "Globex CRM rollout"
    assert [call.status for call in hubspot.calls][:3] == [429, 429, 200]
    assert time.monotonic() - started >= 1.9  # Retry-After: 1, twice, was honoured


async def test_a_rate_limit_one_worker_met_holds_every_worker_until_hubspot_said(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    hub = await _hub(tenant, hubspot)
    await work(worker_database())  # the first sync, out of the way
    _a_deal(hubspot, 41)
    _a_deal(hubspot, 42)
    hubspot.reset_calls()
    hubspot.fail_next(1, status=429, retry_after=20)  # longer than a worker waits in line
    await _push(tenant, hub, 41)
    asked_to_wait = utcnow()
    await work(worker_database())
    assert [call.status for call in hubspot.calls] == [429]

    # Deal 42 is won meanwhile, and someone asks for a sync; another worker, in a process of its
    # own, is the one to take both.
    await _push(tenant, hub, 42)
    assert (await tenant.post(f"/v1/crm-connections/{hub['id']}/sync")).status_code == 202
    await run_elsewhere("tests.crm.inbound:work", worker_database())
    assert [call.status for call in hubspot.calls] == [429]  # nobody called during the pause
    synced = (await tenant.get(f"/v1/crm-connections/{hub['id']}")).json()
    assert "rate limit" in synced["last_sync_error"]
    next_sync = datetime.fromisoformat(synced["next_sync_at"])  # when HubSpot said, not later
    assert asked_to_wait + timedelta(seconds=19) <= next_sync <= utcnow() + timedelta(seconds=20)
    assert await projects(tenant) == []
    waiting = [r for r in await kept(tenant, hub["id"]) if r["kind"] == "push"]
    assert [r["outcome"] for r in waiting] == ["received", "received"]
    assert all("rate limit" in r["detail"] for r in waiting), waiting
    # deal 41's push was tried (the 429); 42's was held by the pause, and counts no attempt
    assert sorted(r["attempts"] for r in waiting) == [0, 1]
    soonest = min(datetime.fromisoformat(r["next_attempt_at"]) for r in waiting)
    assert soonest >= asked_to_wait + timedelta(seconds=19)  # when HubSpot said, not sooner

    # the twenty seconds pass: every worker may call again, and both deals are planned
    async with tenant.database.transaction() as session:
        pause = await session.get_one(CrmApiPause, UUID(hub["id"]))
        assert pause.resume_at >= asked_to_wait + timedelta(seconds=19)
        pause.resume_at = utcnow() - timedelta(seconds=1)
        await session.exec(
            update(CrmInboundRequest)
            .where(col(CrmInboundRequest.connection_id) == UUID(hub["id"]))
            .values(next_attempt_at=utcnow())
        )
    await run_elsewhere("tests.crm.inbound:work", worker_database())
    assert sorted(p["name"] for p in await projects(tenant)) == ["Globex CRM rollout"] * 2
    assert hubspot.calls[1].status == 200


async def test_an_outage_past_the_deadline_flags_the_project_and_a_sync_completes_it(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    await tenant.member(role="sales", email="sam.seller@example.com")
    _a_deal(hubspot, 77)
    hub = await _hub(tenant, hubspot)
    hubspot.down = True
    patient = worker_database()  # the default deadline: 600 s
    await _push(tenant, hub, 77)

    await work(patient)
    assert await projects(tenant) == []  # before the deadline: the worker waits for HubSpot
    [request] = [r for r in await kept(tenant, hub["id"]) if r["kind"] == "push"]
    assert request["outcome"] == "received"
    assert "did not answer" in request["detail"]
    assert request["next_attempt_at"] is not None

    # ten minutes pass, and the retry that was due meanwhile comes
    async with tenant.database.transaction() as session:
        await session.exec(
            update(CrmInboundRequest)
            .where(col(CrmInboundRequest.id) == UUID(request["id"]))
            .values(received_at=utcnow() - timedelta(seconds=601), next_attempt_at=utcnow())
        )
    await work(patient)
    [project] = await projects(tenant)
    assert project["name"] == "HubSpot deal 77"
    assert project["crm_incomplete"] is True
    assert project["sales_owner_id"] is None

    hubspot.down = False
    sync = await tenant.post(f"/v1/crm-connections/{hub['id']}/sync")
    assert sync.status_code == 202
    await work(patient)
    [project] = await projects(tenant)
    assert project["name"] == "Globex CRM rollout"
    assert project["crm_incomplete"] is False
    assert project["sales_owner_id"] is not None
    customer = (await tenant.get(f"/v1/customers/{project['customer_id']}")).json()
    assert customer["name"] == "Globex Corporation"


async def test_a_deal_the_webhooks_lost_is_found_by_the_sync(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    hub = await _hub(tenant, hubspot)
    _a_deal(hubspot, 501)  # won after the connection was made: never pushed
    hubspot.add_deal(502, dealname="Still negotiating", amount="10", dealstage="contractsent")
    hubspot.reset_calls()

    await work(worker_database())  # the first sync is due as soon as the token is set

    [project] = await projects(tenant)
    assert project["name"] == "Globex CRM rollout"
    assert hubspot.calls_to("/crm/v3/objects/deals/search")
    read = (await tenant.get(f"/v1/crm-connections/{hub['id']}")).json()
    assert read["sync_cursor"] is not None
    assert read["last_sync_error"] is None
    [request] = await kept(tenant, hub["id"])
    assert request["kind"] == "sync"

    # the same deal pushed later (HubSpot's retry arrives after the sync): still one project
    await _push(tenant, hub, 501)
    await work(worker_database())
    assert len(await projects(tenant)) == 1


async def _stored_before(tenant: Tenant, connection: dict[str, Any], **values: Any) -> None:
    """The connection's row as the API would no longer write it, written straight."""
    async with tenant.database.transaction() as session:
        await session.exec(
            update(CrmConnection)
            .where(col(CrmConnection.id) == UUID(connection["id"]))
            .values(**values)
        )


async def test_a_connection_whose_stored_url_cannot_be_called_fails_its_own_sync_only(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    """A base URL with DEL, stored before the API refused it: that connection's sync shows why
    it stopped, and the round still syncs the other connections."""
    tenant = local_tenant
    broken = await _hub(tenant, hubspot, name="Stored long ago")
    await _stored_before(tenant, broken, api_base_url=hubspot.base_url + "/api\x7f")
    hub = await _hub(tenant, hubspot)
    _a_deal(hubspot, 501)  # won after the connections were made: only a sync finds it

    await work(worker_database())

    [project] = await projects(tenant)
    assert project["name"] == "Globex CRM rollout"
    read = (await tenant.get(f"/v1/crm-connections/{hub['id']}")).json()
    assert (read["last_sync_error"], read["last_synced_at"] is not None) == (None, True)
    stopped = (await tenant.get(f"/v1/crm-connections/{broken['id']}")).json()
    assert "unsafe API base URL: The webhook URL cannot be sent to" in stopped["last_sync_error"]


async def test_a_token_that_cannot_be_decrypted_leaves_its_deals_planned_but_flagged(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    """A token stored under another key (a key changed by hand, a row restored from elsewhere)
    stopped the worker's round, and every connection's batch with it: its deals are now planned
    as without API access, flagged for completion."""
    tenant = local_tenant
    unreadable = await _hub(tenant, hubspot, name="Restored from elsewhere")
    await _stored_before(tenant, unreadable, api_token_encrypted=b"gAAAAA-not-ours")
    _a_deal(hubspot, 601)
    await _push(tenant, unreadable, 601)

    await work(worker_database())

    [project] = await projects(tenant)
    assert (project["name"], project["crm_incomplete"]) == ("HubSpot deal 601", True)
    assert hubspot.calls == []  # nothing was sent without the token


async def test_a_deal_the_api_does_not_return_is_planned_flagged_and_says_why(
    local_tenant: Tenant, hubspot: HubSpotFake, worker_database: Callable[..., Database]
) -> None:
    """HubSpot answered, but not with the deal the push named (deleted meanwhile, or not
    visible to the token): the project is a placeholder, flagged for a later sync to complete,
    and the request says which deal was missing."""
    tenant = local_tenant
    hub = await _hub(tenant, hubspot)
    _a_deal(hubspot, 611)
    await _push(tenant, hub, 611, 612)  # 612 is not in HubSpot

    await work(worker_database())

    by_name = {project["name"]: project["crm_incomplete"] for project in await projects(tenant)}
    assert by_name == {"Globex CRM rollout": False, "HubSpot deal 612": True}
    details = [request["detail"] or "" for request in await kept(tenant, hub["id"])]
    assert any("the CRM's API did not return deal 612" in detail for detail in details), details


@pytest.mark.parametrize("stage", ["closedlost"])
async def test_a_won_deal_moved_to_lost_is_flagged_never_closed(
    local_tenant: Tenant,
    hubspot: HubSpotFake,
    worker_database: Callable[..., Database],
    stage: str,
) -> None:
    tenant = local_tenant
    _a_deal(hubspot, 61)
    hub = await _hub(tenant, hubspot)
    await _push(tenant, hub, 61)
    await work(worker_database())
    hubspot.update_deal(61, dealstage=stage)
    await _push(tenant, hub, 61, stage=stage)
    await work(worker_database())
    [project] = await projects(tenant)
    assert project["deal_lost_at"] is not None
    assert project["phase"] == "initiating"
    lost = (await tenant.get("/v1/events", params={"type": "deal.lost"})).json()["items"]
    assert len(lost) == 1
