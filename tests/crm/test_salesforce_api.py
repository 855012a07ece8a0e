"""Salesforce opportunities arrive whole: the Outbound Message names the opportunity, Salesforce's
REST API (a fake on 127.0.0.1 answering SOQL in its documented shapes) tells the rest."""

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col

from app.db import Database
from app.models import CrmInboundRequest
from app.models.base import utcnow
from tests.crm.conftest import TOKEN
from tests.crm.fakes.salesforce import SalesforceFake
from tests.crm.inbound import kept, projects, work
from tests.crm.samples import connection, salesforce_message
from tests.factories import Tenant

OPPORTUNITY = "0065e00000AbCdEAAV"
ACCOUNT = "0015e00000XyZaBAAV"
XML = {"content-type": "text/xml; charset=utf-8", "soapaction": '""'}


def _umbrella(salesforce: SalesforceFake) -> None:
    salesforce.add_user("0055e000001OwNeAAC", "Alice Closer", "alice.closer@example.com")
    salesforce.add_account(ACCOUNT, "Umbrella Corporation", "https://umbrella.example")
    salesforce.add_contact("0035e000002CoNtAAA", "Jill Valentine", "jill@umbrella.example", "CIO")
    salesforce.add_opportunity(
        OPPORTUNITY,
        "Umbrella logistics rollout",
        98000,
        owner_id="0055e000001OwNeAAC",
        account_id=ACCOUNT,
        description="Warehouse scanners for 12 sites",
        line_items=[("Scanner", "SCN-12", 120, 700.0), ("Installation", None, 1, 14000.0)],
        contact_roles=[("0035e000002CoNtAAA", "Decision Maker", True)],
    )


async def test_an_opportunity_is_completed_with_its_account_roles_line_items_and_owner(
    local_tenant: Tenant, salesforce: SalesforceFake, worker_database: Callable[..., Database]
) -> None:
    tenant = local_tenant
    seller = await tenant.member(role="sales", email="alice.closer@example.com")
    salesforce.default_currency = "EUR"  # a single-currency org: no CurrencyIsoCode anywhere
    _umbrella(salesforce)
    sales = await connection(
        tenant, "salesforce", api_token=TOKEN, api_base_url=salesforce.base_url
    )
    message = salesforce_message(OPPORTUNITY).replace(
        b"<sf:CurrencyIsoCode>GBP</sf:CurrencyIsoCode>", b""
    )
    response = await tenant.client.post(sales["path"], content=message, headers=XML)
    assert response.status_code == 200
    assert b"<Ack>true</Ack>" in response.content

    await work(worker_database())

    [project] = await projects(tenant)
    assert project["name"] == "Umbrella logistics rollout"
    assert project["budget"] == {"amount": "98000.00", "currency": "EUR"}  # the org's currency
    assert project["sales_owner_id"] == seller["id"]
    assert project["crm_incomplete"] is False
    assert project["description"].startswith("Warehouse scanners for 12 sites\nWhat was sold:")
    assert "- 120 × Scanner [SCN-12] at 700.00" in project["description"]
    customer = (await tenant.get(f"/v1/customers/{project['customer_id']}")).json()
    assert (customer["name"], customer["crm_external_id"]) == ("Umbrella Corporation", ACCOUNT)
    assert [(c["name"], c["email"], c["title"]) for c in customer["contacts"]] == [
        ("Jill Valentine", "jill@umbrella.example", "CIO")
    ]
    pushed = [request for request in await kept(tenant, sales["id"]) if request["kind"] == "push"]
    assert [request["outcome"] for request in pushed] == ["planned"]
    assert all(call.headers["authorization"] == f"Bearer {TOKEN}" for call in salesforce.calls)


async def test_an_expired_session_plans_from_the_message_after_the_deadline(
    local_tenant: Tenant, salesforce: SalesforceFake, worker_database: Callable[..., Database]
) -> None:
    """Only an access token is supported: when Salesforce refuses it, the deal still becomes
    its project from the Outbound Message once the deadline has passed, flagged incomplete."""
    tenant = local_tenant
    _umbrella(salesforce)
    sales = await connection(
        tenant, "salesforce", api_token="expired-session-0000", api_base_url=salesforce.base_url
    )
    await tenant.client.post(sales["path"], content=salesforce_message(OPPORTUNITY), headers=XML)

    await work(worker_database())
    assert await projects(tenant) == []
    [request] = [r for r in await kept(tenant, sales["id"]) if r["kind"] == "push"]
    assert "refused" in request["detail"]

    # the retry is due later: make it due now, as time would
    async with tenant.database.transaction() as session:
        await session.exec(
            update(CrmInboundRequest)
            .where(col(CrmInboundRequest.id) == UUID(request["id"]))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    await work(worker_database(crm_enrich_deadline_seconds=0))
    [project] = await projects(tenant)
    assert project["name"] == "Umbrella logistics rollout"
    assert project["budget"] == {"amount": "98000.00", "currency": "GBP"}
    assert project["crm_incomplete"] is True
