"""Pipedrive deals arrive whole: the v2 push carries the deal, Pipedrive's API (a fake on
127.0.0.1, in its documented v2 shapes) adds its organization, person, products and owner."""

from collections.abc import Callable
from typing import Any

import pytest

from app.db import Database
from tests.crm.conftest import TOKEN
from tests.crm.fakes.pipedrive import PipedriveFake
from tests.crm.inbound import kept, projects, work
from tests.crm.samples import basic_auth, connection, dumps, pipedrive_message
from tests.factories import Tenant


def _initech(pipedrive: PipedriveFake, deal_id: int) -> None:
    pipedrive.add_user(20329214, "Pat Seller", "pat.seller@example.com", default_currency="USD")
    pipedrive.add_organization(9, "Initech")
    pipedrive.add_person(17, "Bill Lumbergh", emails=["bill@initech.example"], org_id=9)
    pipedrive.add_product(3, "Data platform licence", code="DPL-1")
    pipedrive.add_product(4, "Onboarding", code=None)
    pipedrive.add_deal(
        deal_id,
        "Initech data platform",
        48500,
        "USD",
        owner_id=20329214,
        org_id=9,
        person_id=17,
        products=[(3, 10, 4000), (4, 1, 8500)],
    )


async def _push(
    tenant: Tenant, pipedrive: PipedriveFake, message: dict[str, Any]
) -> dict[str, Any]:
    """A connection with API access, and `message` pushed to it and kept; the connection."""
    pipe = await connection(tenant, "pipedrive", api_token=TOKEN, api_base_url=pipedrive.base_url)
    headers = basic_auth(pipe["basic_auth_username"], pipe["secret"])
    response = await tenant.client.post(pipe["path"], content=dumps(message), headers=headers)
    assert response.status_code == 202, response.text
    return pipe


async def _planned_whole(tenant: Tenant, seller: dict[str, Any]) -> None:
    """The one project is Initech's deal with its organization, person, products and owner."""
    [project] = await projects(tenant)
    assert project["name"] == "Initech data platform"
    assert project["budget"] == {"amount": "48500.00", "currency": "USD"}
    assert project["sales_owner_id"] == seller["id"]
    assert project["crm_incomplete"] is False
    assert "- 10 × Data platform licence at 4000.00" in project["description"]
    assert "- 1 × Onboarding at 8500.00" in project["description"]
    customer = (await tenant.get(f"/v1/customers/{project['customer_id']}")).json()
    assert (customer["name"], customer["crm_external_id"]) == ("Initech", "9")
    assert [(c["name"], c["email"]) for c in customer["contacts"]] == [
        ("Bill Lumbergh", "bill@initech.example")
    ]


@pytest.mark.parametrize("archived", [False, True], ids=["listed", "archived"])
async def test_a_pushed_deal_is_completed_with_its_organization_person_products_and_owner(
    local_tenant: Tenant,
    pipedrive: PipedriveFake,
    worker_database: Callable[..., Database],
    archived: bool,
) -> None:
    """An archived deal too: `GET /api/v2/deals` leaves it out, `/api/v2/deals/archived` has it,
    and it is asked only for what the first left out."""
    tenant = local_tenant
    seller = await tenant.member(role="sales", email="pat.seller@example.com")
    _initech(pipedrive, 301)
    if archived:  # won, then archived by its user before the worker read it
        pipedrive.archive_deal(301)
    pipe = await _push(tenant, pipedrive, pipedrive_message(301, is_archived=archived))

    await work(worker_database())

    await _planned_whole(tenant, seller)
    # the push, and maybe the first sync finding the same deal: one project either way
    assert {request["outcome"] for request in await kept(tenant, pipe["id"])} == {"planned"}
    deal_calls = [call for call in pipedrive.calls if call.path.startswith("/api/")]
    assert all(call.headers.get("x-api-token") == TOKEN for call in deal_calls)
    asked = {tuple(call.values("ids")) for call in pipedrive.calls_to("/api/v2/deals/archived")}
    assert asked - {()} == ({("301",)} if archived else set())  # () the sync's list


async def test_a_won_deal_pipedrive_never_pushed_is_found_by_the_sync(
    local_tenant: Tenant, pipedrive: PipedriveFake, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    pipe = await connection(tenant, "pipedrive", api_token=TOKEN, api_base_url=pipedrive.base_url)
    _initech(pipedrive, 302)  # won while Pipedrive had banned our webhook
    await work(worker_database())
    [project] = await projects(tenant)
    assert project["name"] == "Initech data platform"
    assert pipedrive.calls_to("/api/v2/deals", "GET")
    updated_since = [
        call.param("updated_since") for call in pipedrive.calls if call.path == "/api/v2/deals"
    ]
    assert any(updated_since)
    read = (await tenant.get(f"/v1/crm-connections/{pipe['id']}")).json()
    assert read["sync_cursor"] is not None


async def test_a_won_deal_archived_before_any_push_is_found_by_the_sync(
    local_tenant: Tenant, pipedrive: PipedriveFake, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    seller = await tenant.member(role="sales", email="pat.seller@example.com")
    await connection(tenant, "pipedrive", api_token=TOKEN, api_base_url=pipedrive.base_url)
    _initech(pipedrive, 304)  # won and archived while Pipedrive had banned our webhook
    pipedrive.archive_deal(304)

    await work(worker_database())

    await _planned_whole(tenant, seller)
    listed = pipedrive.calls_to("/api/v2/deals/archived")
    assert any(call.param("updated_since") for call in listed)  # the sync's read of the archive
