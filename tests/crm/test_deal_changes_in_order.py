"""A deal follows the CRM's latest version, whatever order its changes are planned in: two
workers taking two pushes of one deal, a retry falling behind a later push, a sync racing a
push. A version the CRM modified before the one the deal holds changes nothing, and its kept
request says so."""

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from sqlmodel import col, select

from app.core.leases import Lease
from app.crm import sync, worker
from app.crm.clients import client_for
from app.crm.clients.http import CrmHttp, crm_http_client
from app.crm.service import api_access
from app.db import Database
from app.models import CrmConnection, CrmInboundRequest, Event, InboundOutcome
from app.models.base import utcnow
from tests.crm.conftest import TOKEN
from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.pipedrive import PipedriveFake
from tests.crm.inbound import kept, work
from tests.crm.samples import (
    basic_auth,
    connection,
    dumps,
    hubspot_events,
    pipedrive_message,
    salesforce_message,
    signed_hubspot,
)
from tests.crm.test_hubspot_api import SECRET as HUBSPOT_SECRET
from tests.crm.test_hubspot_api import _a_deal, _hub
from tests.factories import Tenant
from tests.leases import take_over, woken_after_its_lease
from tests.pausing import first_call_waits

OLDER = "2026-11-24T10:00:00Z"
NEWER = "2026-11-24T10:05:00Z"
XML = {"content-type": "text/xml; charset=utf-8", "soapaction": '""'}


async def _waiting(database: Database, connection_id: str) -> list[CrmInboundRequest]:
    """The connection's kept requests still to plan, in the order they arrived."""
    async with database.transaction(write=False) as session:
        rows = await session.exec(
            select(CrmInboundRequest)
            .where(
                col(CrmInboundRequest.connection_id) == UUID(connection_id),
                CrmInboundRequest.outcome == InboundOutcome.received,
            )
            .order_by(col(CrmInboundRequest.received_at), col(CrmInboundRequest.id))
        )
        return list(rows.all())


async def _plan(database: Database, request: CrmInboundRequest) -> None:
    """One worker plans one kept request it claimed (`_claim_next`: the request as its claim
    left it), as the worker's loop does."""
    async with database.transaction(write=False) as session:
        crm = await session.get(CrmConnection, request.connection_id)
    assert crm is not None
    settings = database.settings
    async with crm_http_client(settings) as http:
        access = api_access(crm, settings)
        client = (
            None
            if access is None
            else client_for(access, CrmHttp(access, settings, http, shared=None))
        )
        assert request.lease_until is not None
        lease = Lease([request.id], request.lease_until)
        await worker.plan_kept(database, client, request, crm, lease)


async def _claim_next(
    database: Database, connection_id: str, now: datetime | None = None
) -> CrmInboundRequest:
    """The worker of `database` claims the next kept request due (the oldest), as its loop
    does."""
    [claimed] = (await worker.claim_received(database, 1, now)).ids
    [request] = [row for row in await _waiting(database, connection_id) if row.id == claimed]
    return request


async def _claimed_by_two_workers(
    worker_database: Callable[..., Database], connection_id: str
) -> tuple[tuple[Database, CrmInboundRequest], tuple[Database, CrmInboundRequest]]:
    """Two workers each claim one of the two kept requests: (worker, the first kept), (worker,
    the second kept)."""
    first, second = worker_database(), worker_database()
    return (first, await _claim_next(first, connection_id)), (
        second,
        await _claim_next(second, connection_id),
    )


async def _deal_amount(tenant: Tenant) -> Decimal:
    [deal] = (await tenant.get("/v1/deals")).json()["items"]
    return Decimal(deal["amount"])


async def _deal_updates(tenant: Tenant) -> list[dict[str, Any]]:
    """What each `deal.updated` event said changed, in order."""
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Event)
            .where(Event.organization_id == tenant.organization_id, Event.type == "deal.updated")
            .order_by(col(Event.id))
        )
        return [json.loads(row.payload)["data"] for row in rows]


async def _details(tenant: Tenant, connection_id: str) -> list[str]:
    return [item["detail"] or "" for item in await kept(tenant, connection_id)]


async def _pipedrive_pushed(
    tenant: Tenant, deal_id: int, **options: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """A Pipedrive connection (without API access, unless `options` give it) and its push of
    deal `deal_id` won, kept for the worker: the connection and the push's credentials."""
    pd = await connection(tenant, "pipedrive", **options)
    auth = basic_auth("handover", pd["secret"])
    await _push_pipedrive(tenant, pd, auth, pipedrive_message(deal_id, value=500))
    return pd, auth


async def _pipedrive_won(tenant: Tenant) -> tuple[dict[str, Any], dict[str, str]]:
    """A Pipedrive connection without API access, and deal 4711 won and planned through it."""
    pd, auth = await _pipedrive_pushed(tenant, 4711)
    await work(tenant.database)
    return pd, auth


async def _two_changes_pushed(tenant: Tenant) -> dict[str, Any]:
    """Deal 4711 won and planned, then changed to 1000 and, later in Pipedrive, to 2000: both
    changes pushed, in that order, and kept for the workers. The connection."""
    pd, auth = await _pipedrive_won(tenant)
    await _push_pipedrive(tenant, pd, auth, _changed(1000, OLDER))
    await _push_pipedrive(tenant, pd, auth, _changed(2000, NEWER))
    return pd


async def _push_pipedrive(
    tenant: Tenant, pd: dict[str, Any], auth: dict[str, str], message: dict[str, Any]
) -> None:
    response = await tenant.client.post(pd["path"], content=dumps(message), headers=auth)
    assert response.status_code == 202, response.text


def _changed(value: int, update_time: str) -> dict[str, Any]:
    """Deal 4711's value changed in Pipedrive at `update_time`, as its webhook v2 sends it."""
    message = pipedrive_message(4711, value=value, update_time=update_time)
    message["meta"]["timestamp"] = update_time.replace("Z", ".000Z")
    return message


async def test_a_later_pipedrive_change_stays_when_the_earlier_one_is_planned_after_it(
    local_tenant: Tenant, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    pd = await _two_changes_pushed(tenant)
    (slow, older), (fast, newer) = await _claimed_by_two_workers(worker_database, pd["id"])

    await _plan(fast, newer)  # the worker holding the later change finishes first
    [after_newer] = (await tenant.get("/v1/deals")).json()["items"]
    await _plan(slow, older)

    [deal] = (await tenant.get("/v1/deals")).json()["items"]
    assert deal == after_newer  # not even its version or updated_at moved
    assert Decimal(deal["amount"]) == Decimal(2000)
    [project] = (await tenant.get("/v1/projects")).json()["items"]
    assert project["deal_value"] == {"amount": "2000.00", "currency": "USD"}
    requests = {item["id"]: item for item in await kept(tenant, pd["id"])}
    assert requests[str(older.id)]["outcome"] == "planned"
    assert "older than the deal kept" in requests[str(older.id)]["detail"]
    assert requests[str(newer.id)]["detail"] is None
    updates = await _deal_updates(tenant)
    assert [update.get("amount") for update in updates] == [
        {"amount": "2000.00", "currency": "USD"}
    ], updates


async def test_two_workers_planning_two_pipedrive_changes_at_once_keep_the_later(
    local_tenant: Tenant, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    pd = await _two_changes_pushed(tenant)
    (one, older), (two, newer) = await _claimed_by_two_workers(worker_database, pd["id"])

    await asyncio.gather(_plan(one, older), _plan(two, newer))

    assert await _deal_amount(tenant) == Decimal(2000)


async def test_a_retried_pipedrive_change_that_fell_behind_a_later_one_changes_nothing(
    local_tenant: Tenant, worker_database: Callable[..., Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = local_tenant
    pd = await _two_changes_pushed(tenant)
    database = worker_database()
    original = worker._take_one
    failing = True

    async def failing_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal failing
        if failing:
            failing = False
            raise ConnectionError("the database went away")
        return await original(*args, **kwargs)

    monkeypatch.setattr(worker, "_take_one", failing_once)
    older = await _claim_next(database, pd["id"])
    newer = await _claim_next(database, pd["id"])
    await _plan(database, older)  # fails: to be retried from the kept record
    await _plan(database, newer)
    retried = await _claim_next(database, pd["id"], now=utcnow() + timedelta(minutes=10))
    assert retried.id == older.id
    assert retried.attempts == 1
    await _plan(database, retried)

    assert await _deal_amount(tenant) == Decimal(2000)
    assert any("older than the deal kept" in detail for detail in await _details(tenant, pd["id"]))


async def test_a_salesforce_message_delivered_after_a_later_one_changes_nothing(
    local_tenant: Tenant,
) -> None:
    tenant = local_tenant
    sales = await connection(tenant, "salesforce")
    opportunity = "0065e00000AbCdEAAV"
    for amount, modified in (("1000.0", OLDER), ("2000.0", NEWER), ("1000.0", OLDER)):
        # Salesforce retries messages independently of their order: the older comes again
        message = salesforce_message(opportunity, amount=amount, last_modified=modified)
        response = await tenant.client.post(sales["path"], content=message, headers=XML)
        assert response.status_code == 200, response.text
        await work(tenant.database)

    assert await _deal_amount(tenant) == Decimal(2000)
    details = await _details(tenant, sales["id"])
    assert sum("older than the deal kept" in detail for detail in details) == 1, details


async def test_a_hubspot_deal_read_before_a_change_does_not_undo_it_when_written_after(
    local_tenant: Tenant,
    hubspot: HubSpotFake,
    worker_database: Callable[..., Database],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = local_tenant
    _a_deal(hubspot, 9000000042)
    hub = await _hub(tenant, hubspot)
    await _push_hubspot(tenant, hub, 9000000042, "dealstage", "closedwon")
    await work(tenant.database)
    hubspot.update_deal(9000000042, amount="1000")
    await _push_hubspot(tenant, hub, 9000000042, "amount", "1000")
    slow = worker_database()
    first = await _claim_next(slow, hub["id"])
    reached, release = first_call_waits(monkeypatch, worker, "_take_one")

    reading = asyncio.create_task(_plan(slow, first))  # reads the deal at 1000, then waits
    await reached.wait()
    hubspot.update_deal(9000000042, amount="2000")
    await _push_hubspot(tenant, hub, 9000000042, "amount", "2000")
    fast = worker_database()
    await _plan(fast, await _claim_next(fast, hub["id"]))  # reads the deal at 2000 and writes it
    release.set()
    await reading

    assert await _deal_amount(tenant) == Decimal(2000)
    assert any("older than the deal kept" in d for d in await _details(tenant, hub["id"]))


async def _push_hubspot(
    tenant: Tenant, hub: dict[str, Any], deal_id: int, name: str, value: str
) -> None:
    events = hubspot_events(deal_id, propertyName=name, propertyValue=value)
    body = dumps(events)
    public_url = "http://handover.test" + hub["path"]
    headers = signed_hubspot(HUBSPOT_SECRET, public_url, body)
    response = await tenant.client.post(hub["path"], content=body, headers=headers)
    assert response.status_code == 202, response.text


async def test_a_sync_that_read_the_deal_before_a_push_does_not_undo_the_push(
    local_tenant: Tenant,
    pipedrive: PipedriveFake,
    worker_database: Callable[..., Database],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = local_tenant
    pipedrive.add_deal(4711, "Initech data platform", 500, "USD", org_id=9)
    pd, auth = await _pipedrive_pushed(
        tenant, 4711, api_token=TOKEN, api_base_url=pipedrive.base_url
    )
    await work(tenant.database)  # planned, and the connection's first sync
    pipedrive.update_deal(4711, value=1000)
    syncing = worker_database()
    async with crm_http_client(syncing.settings) as http:
        await sync.sync_connection(syncing, http, UUID(pd["id"]))
    found = await _claim_next(syncing, pd["id"])
    assert found.kind == "sync"
    reached, release = first_call_waits(monkeypatch, worker, "_take_one")

    reading = asyncio.create_task(_plan(syncing, found))  # the sync reads 1000, then waits
    await reached.wait()
    pipedrive.update_deal(4711, value=2000)
    # its push (completed from the API) is planned while the sync still holds what it read
    await _push_pipedrive(tenant, pd, auth, _changed(2000, NEWER))
    pushing = worker_database()
    await _plan(pushing, await _claim_next(pushing, pd["id"]))
    release.set()
    await reading

    assert await _deal_amount(tenant) == Decimal(2000)
    assert any("older than the deal kept" in d for d in await _details(tenant, pd["id"]))


async def test_a_later_version_with_nothing_new_moves_nothing_yet_outdates_earlier_ones(
    local_tenant: Tenant,
) -> None:
    tenant = local_tenant
    pd, auth = await _pipedrive_won(tenant)
    await _push_pipedrive(tenant, pd, auth, _changed(2000, NEWER))
    await work(tenant.database)
    listing = (await tenant.get("/v1/deals")).json()
    [before] = listing["items"]

    # Pipedrive stamps the deal again (another field, a write-back of ours): nothing new here
    await _push_pipedrive(tenant, pd, auth, _changed(2000, "2026-11-24T10:10:00Z"))
    await work(tenant.database)
    [after] = (await tenant.get("/v1/deals")).json()["items"]
    assert after == before  # no new version, no new updated_at for PM tools to fetch again
    # and a PM tool that syncs the list is not sent the deal again
    synced = await tenant.get("/v1/deals", params={"sync_token": listing["next_sync_token"]})
    assert (synced.json()["items"], synced.json()["deleted"]) == ([], [])

    # a value it held in between, delivered late, is older than the version kept
    await _push_pipedrive(tenant, pd, auth, _changed(1000, "2026-11-24T10:07:00Z"))
    await work(tenant.database)
    assert await _deal_amount(tenant) == Decimal(2000)


async def test_a_worker_that_stalled_past_its_lease_leaves_the_next_workers_outcome_alone(
    local_tenant: Tenant, worker_database: Callable[..., Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker that took a request over once the first one's lease ran out records what
    became of it; the first, planning late and failing, does not send it back to be planned."""
    tenant = local_tenant
    pd, _ = await _pipedrive_pushed(tenant, 4712)
    stalled, taking_over = worker_database(), worker_database()
    first = await _claim_next(stalled, pd["id"])
    assert first.lease_until is not None
    later = first.lease_until + timedelta(seconds=1)  # the first worker's lease has run out
    second = await _claim_next(taking_over, pd["id"], now=later)
    assert second.id == first.id

    await _plan(taking_over, second)
    [planned] = await kept(tenant, pd["id"])
    assert planned["outcome"] == "planned"

    async def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(worker, "_take_one", failing)
    await _plan(stalled, first)  # fails, and would have the request planned again
    assert await kept(tenant, pd["id"]) == [planned]


async def test_a_worker_stalled_past_its_lease_does_not_plan_a_request_taken_over_meanwhile(
    local_tenant: Tenant, worker_database: Callable[..., Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A's batch holds the deal's two changes, planned one after the other. While A plans the
    first, B takes the second over; A, woken after its lease's end, renews before it starts the
    second, finds it B's, and leaves it to B."""
    tenant = local_tenant
    pd = await _two_changes_pushed(tenant)
    a, b = worker_database(crm_worker_batch_size=2), worker_database()
    older, newer = await _waiting(a, pd["id"])
    reached, release = first_call_waits(monkeypatch, worker, "_take_one")
    async with crm_http_client(a.settings) as http:
        planning = asyncio.create_task(worker.plan_once(a, http))
        await reached.wait()  # A plans the first change
        newer.lease_until = (await take_over(b, CrmInboundRequest, [newer.id])).until
        woken_after_its_lease(monkeypatch, a)
        release.set()
        assert await planning == 2
    assert await _deal_amount(tenant) == Decimal(1000)  # A planned the first change only
    await _plan(b, newer)
    assert await _deal_amount(tenant) == Decimal(2000)
    requests = {item["id"]: item for item in await kept(tenant, pd["id"])}
    planned = [requests[str(request.id)] for request in (older, newer)]
    assert [(item["outcome"], item["attempts"]) for item in planned] == [("planned", 1)] * 2


async def test_a_request_planned_for_longer_than_the_lease_stays_its_workers(
    local_tenant: Tenant, worker_database: Callable[..., Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow CRM or a large batch: the worker renews its lease while it plans, so no other
    worker takes the request over and plans it a second time."""
    tenant = local_tenant
    pd, _ = await _pipedrive_pushed(tenant, 4713)
    slow, other = worker_database(dispatcher_lease_seconds=5), worker_database()
    original = worker._take_one
    planning = asyncio.Event()

    async def slowly(*args: Any, **kwargs: Any) -> Any:
        planning.set()
        await asyncio.sleep(6)  # longer than the lease
        return await original(*args, **kwargs)

    monkeypatch.setattr(worker, "_take_one", slowly)
    async with crm_http_client(slow.settings) as http:
        planned = asyncio.create_task(worker.plan_once(slow, http))
        await planning.wait()
        await asyncio.sleep(5.5)  # the lease as first written has run out
        assert (await worker.claim_received(other, 10)).ids == []
        assert await planned == 1
    [request] = await kept(tenant, pd["id"])
    assert (request["outcome"], request["attempts"]) == ("planned", 1)
