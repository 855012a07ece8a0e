"""The generic intake: the canonical deal, signed the Standard Webhooks way."""

import asyncio
import logging
import time

import pytest
from fastapi import FastAPI

from app.db import Database
from tests.crm.inbound import kept, projects, push_and_plan, rejections, work
from tests.crm.samples import canonical_deal, connection, dumps, signed_generic
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.statements import count_statements


async def test_a_signed_won_deal_becomes_a_project(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    assert generic["secret"].startswith("whsec_")
    body = dumps(canonical_deal("D-1"))

    response, [request] = await push_and_plan(
        tenant, generic["path"], body, signed_generic(generic["secret"], body)
    )

    assert response.status_code == 202, response.text
    answer = response.json()
    assert (answer["outcome"], answer["deals"]) == ("received", ["D-1"])
    assert answer["inbound_request_id"] == request["id"]
    [project] = await projects(tenant)
    assert project["project_manager_id"] == generic["default_project_manager_id"]
    assert project["crm_incomplete"] is False  # the canonical deal is whole already
    assert request["outcome"] == "planned"
    assert request["body"] == body.decode()
    assert request["project_ids"] == [project["id"]]
    [deal] = (await tenant.get("/v1/deals")).json()["items"]
    assert request["deal_ids"] == [deal["id"]]
    assert deal["project_id"] == project["id"]


async def test_a_bad_signature_is_401_without_detail_counted_and_kept(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal())
    headers = signed_generic(generic["secret"], body)
    before = rejections("generic", "bad_signature")

    tampered = body.replace(b"120000.00", b"999999.00")
    response = await tenant.client.post(generic["path"], content=tampered, headers=headers)

    problem = assert_problem(response, 401)
    assert "detail" not in problem
    assert rejections("generic", "bad_signature") == before + 1
    assert await projects(tenant) == []
    [request] = await kept(tenant, generic["id"])
    assert (request["outcome"], request["detail"]) == ("rejected", "bad_signature")


async def test_another_connections_secret_is_refused(tenant: Tenant) -> None:
    generic, other = await connection(tenant, "generic"), await connection(tenant, "generic")
    body = dumps(canonical_deal())
    response = await tenant.client.post(
        generic["path"], content=body, headers=signed_generic(other["secret"], body)
    )
    assert_problem(response, 401)


async def test_a_stale_timestamp_is_refused(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal())
    before = rejections("generic", "stale_timestamp")
    for at in (time.time() - 6 * 60, time.time() + 6 * 60):
        headers = signed_generic(generic["secret"], body, at=at)
        assert_problem(
            await tenant.client.post(generic["path"], content=body, headers=headers), 401
        )
    assert rejections("generic", "stale_timestamp") == before + 2
    assert await projects(tenant) == []


async def test_a_duplicate_delivery_is_acknowledged_and_changes_nothing(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal())
    headers = signed_generic(generic["secret"], body, message_id="msg_2Yx")
    first = await tenant.client.post(generic["path"], content=body, headers=headers)
    changed = dumps(canonical_deal(external_id=first.json()["deals"][0], amount="1.00"))
    retry_headers = signed_generic(generic["secret"], changed, message_id="msg_2Yx")

    retry = await tenant.client.post(generic["path"], content=changed, headers=retry_headers)
    await work(tenant.database)

    assert retry.status_code == 200
    assert retry.json()["outcome"] == "duplicate"
    assert len(await projects(tenant)) == 1
    deal = (await tenant.get("/v1/deals")).json()["items"][0]
    assert (deal["amount"], deal["version"]) == ("120000.00", 1)
    assert [r["outcome"] for r in await kept(tenant, generic["id"])] == ["planned", "duplicate"]


async def test_one_delivery_sent_many_times_at_once_is_received_once(tenant: Tenant) -> None:
    """The claim and the kept request are one step: racing copies of a delivery each find
    the claim of the one that won, whichever transaction commits first."""
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal())
    headers = signed_generic(generic["secret"], body, message_id="msg_race")

    answers = await asyncio.gather(
        *(tenant.client.post(generic["path"], content=body, headers=headers) for _ in range(12))
    )
    await work(tenant.database)

    assert sorted(answer.status_code for answer in answers) == [200] * 11 + [202]
    assert sorted(answer.json()["outcome"] for answer in answers) == ["duplicate"] * 11 + [
        "received"
    ]
    outcomes = sorted(request["outcome"] for request in await kept(tenant, generic["id"]))
    assert outcomes == ["duplicate"] * 11 + ["planned"]
    assert len(await projects(tenant)) == 1


async def test_a_later_delivery_updates_the_deal_not_a_second_project(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    first_body = dumps(canonical_deal("D-9"))
    await tenant.client.post(
        generic["path"], content=first_body, headers=signed_generic(generic["secret"], first_body)
    )
    later = dumps(canonical_deal("D-9", amount="125000.00", name="Globex rollout, phase 1"))
    await push_and_plan(tenant, generic["path"], later, signed_generic(generic["secret"], later))
    [project] = await projects(tenant)
    [deal] = (await tenant.get("/v1/deals")).json()["items"]
    assert (deal["amount"], deal["version"]) == ("125000.00", 2)
    # the budget stays delivery's; the deal's amount is beside it; the name follows the CRM
    assert project["budget"] == {"amount": "120000.00", "currency": "EUR"}
    assert project["deal_value"] == {"amount": "125000.00", "currency": "EUR"}
    assert project["name"] == "Globex rollout, phase 1"


async def test_a_deal_not_in_a_won_stage_is_acknowledged_and_ignored(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic", won_stages=["closedwon"])
    body = dumps(canonical_deal(stage="negotiation"))
    response, [request] = await push_and_plan(
        tenant, generic["path"], body, signed_generic(generic["secret"], body)
    )
    assert response.status_code == 202
    assert request["outcome"] == "ignored"
    assert await projects(tenant) == []


@pytest.mark.parametrize(
    "body",
    [b'{"external_id": "D-1", "name": ', b'{"external_id": "D-1"}', b"[]"],
    ids=["truncated", "incomplete", "array"],
)
async def test_a_malformed_body_is_422_and_kept(tenant: Tenant, body: bytes) -> None:
    generic = await connection(tenant, "generic")
    headers = signed_generic(generic["secret"], body)
    response = await tenant.client.post(generic["path"], content=body, headers=headers)
    assert_problem(response, 422)
    assert [r["outcome"] for r in await kept(tenant, generic["id"])] == ["malformed"]


async def test_an_oversized_body_is_413_before_anything_else(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal(requirements="x" * 70_000))
    response = await tenant.client.post(
        generic["path"], content=body, headers=signed_generic(generic["secret"], body)
    )
    assert_problem(response, 413)
    assert await projects(tenant) == []


async def test_unknown_or_disabled_connections_are_refused_alike(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal())
    headers = signed_generic(generic["secret"], body)
    wrong_provider = generic["path"].replace("/generic/", "/pipedrive/")
    unknown = "/v1/integrations/generic/019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b/webhooks"
    for path in (wrong_provider, unknown):
        assert_problem(await tenant.client.post(path, content=body, headers=headers), 401)
    await tenant.patch(f"/v1/crm-connections/{generic['id']}", json={"enabled": False})
    response = await tenant.client.post(generic["path"], content=body, headers=headers)
    assert_problem(response, 401)
    assert await projects(tenant) == []


async def test_the_previous_secret_works_during_its_grace_period(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    rotated = await tenant.post(
        f"/v1/crm-connections/{generic['id']}/rotate-secret", json={"grace_period_seconds": 60}
    )
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret != generic["secret"]
    for secret in (generic["secret"], new_secret):
        body = dumps(canonical_deal())
        headers = signed_generic(secret, body)
        response = await tenant.client.post(generic["path"], content=body, headers=headers)
        assert response.status_code == 202
    await tenant.post(
        f"/v1/crm-connections/{generic['id']}/rotate-secret", json={"grace_period_seconds": 0}
    )
    body = dumps(canonical_deal())
    response = await tenant.client.post(
        generic["path"], content=body, headers=signed_generic(new_secret, body)
    )
    assert_problem(response, 401)


async def test_a_planned_deal_touches_its_project_once_in_a_bounded_number_of_statements(
    tenant: Tenant, database: Database
) -> None:
    """Planning adds a dozen parts (milestones, RACI, the kickoff); the project is touched once
    for all of them (a version, its KPIs, its health), and its endpoints are read once."""
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal("D-touch"))
    await work(database)  # what earlier tests left to plan is not counted here
    response = await tenant.client.post(
        generic["path"], content=body, headers=signed_generic(generic["secret"], body)
    )
    assert response.status_code == 202, response.text
    with count_statements(database) as statements:
        await work(database)
    [project] = await projects(tenant)
    assert project["version"] == 2  # created, then its planned parts
    assert sum("UPDATE projects" in s for s in statements) == 1
    assert sum("FROM webhook_endpoints" in s for s in statements) == 1
    assert len(statements) <= 50, len(statements)


async def test_a_client_that_hangs_up_mid_body_is_not_an_error(
    tenant: Tenant, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """A CRM (or a load tool) that disconnects before its body arrived changes nothing and is
    not logged as our error."""
    generic = await connection(tenant, "generic")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": generic["path"],
        "raw_path": generic["path"].encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"handover.test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("handover.test", 80),
    }
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    with caplog.at_level(logging.INFO, logger="handover.errors"):
        await app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await kept(tenant, generic["id"]) == []
