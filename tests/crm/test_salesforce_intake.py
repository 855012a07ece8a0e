"""Salesforce: Outbound Messages (SOAP) for Opportunity, proven by the secret token of the
endpoint URL and checked against the organization id."""

import json
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from app.models import CrmConnection
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


SESSION = "00D5e000000AbCd!AQcAQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6"


@pytest.mark.parametrize(
    "element",
    [
        f"<SessionId>{SESSION}</SessionId>",  # as Salesforce writes it
        # …and as a relay re-serialising the XML might
        f'<SessionId xmlns="http://soap.sforce.com/2005/09/outbound">{SESSION}</SessionId>',
        f"<SessionId><![CDATA[{SESSION}]]></SessionId>",
        f"<SessionId>{SESSION[:20]}<!-- -->{SESSION[20:]}</SessionId >",
    ],
    ids=["salesforce", "namespace", "cdata", "comment"],
)
async def test_the_session_id_a_message_may_carry_is_never_kept(
    tenant: Tenant, element: str
) -> None:
    """Set to "Send Session ID", Salesforce puts a live session of its user in each message: a
    credential Handover never uses, so it is not kept where `crm:read` keys read requests."""
    sales = await connection(tenant, "salesforce")
    session = SESSION
    bare = sales["path"].split("?")[0]
    for path in (sales["path"], bare):  # verified, and refused (a prefix is kept of those)
        message = salesforce_message("0065e00000AbCdZAAV", session_id="-")
        message = message.replace(b"<SessionId>-</SessionId>", element.encode())
        await tenant.client.post(path, content=message, headers=XML)
    await work(tenant.database)
    [project] = await projects(tenant)
    assert project["name"] == "Umbrella logistics rollout"
    requests = await kept(tenant, sales["id"])
    assert sorted(request["outcome"] for request in requests) == ["planned", "rejected"]
    for request in requests:
        assert session[20:] not in json.dumps(request)
        assert "OrganizationId>" in request["body"]  # the rest is kept


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


async def test_a_message_without_the_connections_secret_is_refused(tenant: Tenant) -> None:
    sales = await connection(tenant, "salesforce")
    assert len(sales["secret"]) >= 40
    read = (await tenant.get(f"/v1/crm-connections/{sales['id']}")).text
    assert sales["secret"] not in read  # shown once
    bare = sales["path"].split("?")[0]
    for reason, path in (
        ("missing_token", bare),
        ("bad_token", f"{bare}?token=not-the-secret"),
        ("bad_token", f"{bare}?token={sales['secret'][:-1]}"),
        ("bad_token", f"{sales['path']}&token=twice"),
    ):
        before = rejections("salesforce", reason)
        response = await tenant.client.post(
            path, content=salesforce_message("0065e00000AbCdLAAV"), headers=XML
        )
        assert_problem(response, 401)
        assert rejections("salesforce", reason) == before + 1
    await work(tenant.database)
    assert await projects(tenant) == []
    outcomes = {request["outcome"] for request in await kept(tenant, sales["id"])}
    assert outcomes == {"rejected"}


async def test_a_rotated_secret_replaces_the_old_after_its_grace_period(tenant: Tenant) -> None:
    sales = await connection(tenant, "salesforce")
    rotate = f"/v1/crm-connections/{sales['id']}/rotate-secret"
    rotated = (await tenant.post(rotate, json={"grace_period_seconds": 3600})).json()
    assert rotated["secret"] != sales["secret"]
    assert rotated["secret_intake_url"] == f"{sales['intake_url']}?token={rotated['secret']}"
    new_path = sales["path"].replace(sales["secret"], rotated["secret"])
    for path in (sales["path"], new_path):  # both during the grace period
        response = await tenant.client.post(
            path, content=salesforce_message("0065e00000AbCdMAAV"), headers=XML
        )
        assert response.status_code == 200
    again = (await tenant.post(rotate, json={"grace_period_seconds": 0})).json()
    for path in (sales["path"], new_path):
        response = await tenant.client.post(
            path, content=salesforce_message("0065e00000AbCdNAAV"), headers=XML
        )
        assert_problem(response, 401)
    newest = sales["path"].replace(sales["secret"], again["secret"])
    response = await tenant.client.post(
        newest, content=salesforce_message("0065e00000AbCdNAAV"), headers=XML
    )
    assert response.status_code == 200


async def test_a_connection_made_before_secrets_is_refused_until_rotated(tenant: Tenant) -> None:
    sales = await connection(tenant, "salesforce")
    async with tenant.database.transaction() as session:  # as the upgrade leaves it
        await session.exec(
            update(CrmConnection)
            .where(col(CrmConnection.id) == UUID(sales["id"]))
            .values(secret_encrypted=None)
        )
    before = rejections("salesforce", "no_secret")
    for path in (sales["path"], sales["path"].split("?")[0]):
        response = await tenant.client.post(
            path, content=salesforce_message("0065e00000AbCdOAAV"), headers=XML
        )
        assert_problem(response, 401)
    assert rejections("salesforce", "no_secret") == before + 2

    rotated = await tenant.post(f"/v1/crm-connections/{sales['id']}/rotate-secret", json={})
    assert rotated.status_code == 200, rotated.text
    url = urlsplit(rotated.json()["secret_intake_url"])
    response = await tenant.client.post(
        f"{url.path}?{url.query}", content=salesforce_message("0065e00000AbCdOAAV"), headers=XML
    )
    assert response.status_code == 200
    await work(tenant.database)
    assert len(await projects(tenant)) == 1
