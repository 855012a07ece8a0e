"""Salesforce: Outbound Messages (SOAP) for Opportunity, checked against the organization id."""

from typing import Any

import httpx

from tests.crm.inbound import kept, projects, rejections, work
from tests.crm.samples import connection, salesforce_message
from tests.factories import Tenant
from tests.problems import assert_problem

XML = {"content-type": "text/xml; charset=utf-8", "soapaction": '""'}


async def _post(tenant: Tenant, sales: dict[str, Any], body: bytes) -> httpx.Response:
    return await tenant.client.post(sales["path"], content=body, headers=XML)


async def test_a_won_opportunity_becomes_a_project_and_salesforce_gets_its_ack(
    tenant: Tenant,
) -> None:
    sales = await connection(tenant, "salesforce")

    response = await _post(tenant, sales, salesforce_message("0065e00000AbCdEAAV"))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert b"<Ack>true</Ack>" in response.content
    assert await projects(tenant) == []  # acknowledged at once, planned by the worker
    await work(tenant.database)
    [project] = await projects(tenant)
    assert project["name"] == "Umbrella logistics rollout"
    assert project["budget"] == {"amount": "98000.00", "currency": "GBP"}
    assert project["description"] == "Warehouse scanners for 12 sites"


async def test_another_salesforce_organization_is_refused(tenant: Tenant) -> None:
    sales = await connection(tenant, "salesforce")
    before = rejections("salesforce", "wrong_organization")
    body = salesforce_message("0065e00000AbCdFAAV", organization_id="00D5e000000ZzZzEAK")
    assert_problem(await _post(tenant, sales, body), 401)
    assert rejections("salesforce", "wrong_organization") == before + 1
    assert await projects(tenant) == []


async def test_the_15_character_organization_id_matches_too(tenant: Tenant) -> None:
    sales = await connection(tenant, "salesforce", salesforce_organization_id="00D5e000000AbCd")
    response = await _post(tenant, sales, salesforce_message("0065e00000AbCdGAAV"))
    assert response.status_code == 200


async def test_duplicates_and_open_opportunities_change_nothing(tenant: Tenant) -> None:
    sales = await connection(tenant, "salesforce")
    message = salesforce_message("0065e00000AbCdHAAV", notification_id="04l5e00000ABCDEAA1")
    await _post(tenant, sales, message)
    retry = await _post(tenant, sales, message)
    assert b"<Ack>true</Ack>" in retry.content
    open_one = salesforce_message("0065e00000AbCdIAAV", stage="Negotiation", is_won=False)
    assert (await _post(tenant, sales, open_one)).status_code == 200
    await work(tenant.database)
    assert len(await projects(tenant)) == 1
    outcomes = [request["outcome"] for request in await kept(tenant, sales["id"])]
    assert outcomes == ["planned", "duplicate", "ignored"]


async def test_xml_with_entities_or_a_dtd_is_never_expanded(tenant: Tenant) -> None:
    sales = await connection(tenant, "salesforce")
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<notifications xmlns="http://soap.sforce.com/2005/09/outbound">
<OrganizationId>&lol2;</OrganizationId></notifications></soapenv:Body></soapenv:Envelope>"""
    external = bomb.replace(b'<!ENTITY lol "lol">', b'<!ENTITY lol SYSTEM "file:///etc/passwd">')
    for body in (bomb, external, b"<not-xml", b"<a/>"):
        assert_problem(await _post(tenant, sales, body), 401)
    assert await projects(tenant) == []


async def test_a_verified_message_without_notifications_is_malformed(tenant: Tenant) -> None:
    sales = await connection(tenant, "salesforce")
    body = salesforce_message("0065e00000AbCdJAAV")
    start, end = body.index(b"<Notification>"), body.index(b"</Notification>") + 15
    assert_problem(await _post(tenant, sales, body[:start] + body[end:]), 422)
    huge = salesforce_message("0065e00000AbCdKAAV").replace(b"Warehouse scanners", b"x" * 70_000)
    assert_problem(await _post(tenant, sales, huge), 413)
