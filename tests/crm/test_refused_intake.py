"""Whoever knows an intake URL can neither fill the database nor lock the CRM out: a refused
request is kept as metadata, a bounded prefix and a digest of its body; forged requests are
counted in a bucket of their own, never against the connection's quota."""

import hashlib
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select

from app.crm.intake import REFUSED_BODY_PREFIX
from app.models import CrmInboundRequest
from tests.crm.inbound import kept
from tests.crm.samples import canonical_deal, connection, dumps, signed_generic
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.replicas import replica

FORGED = {"webhook-id": "msg_forged", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"}


async def _stored_body_bytes(tenant: Tenant, connection_id: str) -> int:
    async with tenant.database.transaction(write=False) as session:
        total = (
            await session.exec(
                select(func.coalesce(func.sum(func.length(col(CrmInboundRequest.body))), 0)).where(
                    col(CrmInboundRequest.connection_id) == UUID(connection_id)
                )
            )
        ).one()
    return int(total)


async def test_a_refused_request_keeps_a_prefix_and_a_digest_of_its_body(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    body = b'{"padding": "' + b"x" * 50_000 + b'"}'
    noise = {f"x-noise-{n}": "y" * 1000 for n in range(60)}

    for _ in range(10):
        response = await tenant.client.post(
            generic["path"], content=body, headers={**FORGED, **noise}
        )
        assert_problem(response, 401)

    requests = await kept(tenant, generic["id"])
    assert [request["outcome"] for request in requests] == ["rejected"] * 10
    request = requests[0]
    assert request["body"] == body[:REFUSED_BODY_PREFIX].decode()
    assert request["body_bytes"] == len(body)
    assert request["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert request["body_truncated"] is True
    assert len(request["headers"]) <= 32
    assert all(len(value) <= 256 for value in request["headers"].values())
    assert await _stored_body_bytes(tenant, generic["id"]) == 10 * REFUSED_BODY_PREFIX


async def test_a_verified_request_is_kept_whole_with_its_digest(tenant: Tenant) -> None:
    generic = await connection(tenant, "generic")
    body = dumps(canonical_deal(requirements="r" * 5_000))

    response = await tenant.client.post(
        generic["path"], content=body, headers=signed_generic(generic["secret"], body)
    )

    assert response.status_code == 202, response.text
    [request] = await kept(tenant, generic["id"])
    assert request["body"] == body.decode()
    assert (request["body_bytes"], request["body_truncated"]) == (len(body), False)
    assert request["body_sha256"] == hashlib.sha256(body).hexdigest()


async def test_forged_requests_spend_their_own_bucket_not_the_connections_quota(
    tenant: Tenant, database_url: str
) -> None:
    generic = await connection(tenant, "generic")
    limits = {"crm_rate_limit": "2/minute", "crm_unverified_rate_limit": "3/minute"}
    async with replica(database_url, **limits) as client:
        forged = [
            await client.post(generic["path"], content=b"{}", headers=FORGED) for _ in range(10)
        ]
        assert [response.status_code for response in forged] == [401] * 3 + [429] * 7
        problem = assert_problem(forged[-1], 429, "rate-limited")
        assert problem["detail"].startswith("This CRM connection's URL received unverified")
        assert forged[-1].headers["RateLimit-Policy"] == '"per-connection-unverified";q=3;w=60'

        answers = []
        for external_id in ("D-1", "D-2", "D-3"):
            body = dumps(canonical_deal(external_id))
            headers = signed_generic(generic["secret"], body)
            answers.append(await client.post(generic["path"], content=body, headers=headers))
        assert [response.status_code for response in answers] == [202, 202, 429]
        assert answers[0].headers["RateLimit-Policy"] == '"per-connection";q=2;w=60'

    outcomes = [request["outcome"] for request in await kept(tenant, generic["id"])]
    assert outcomes == ["rejected"] * 3 + ["received"] * 2  # past the bucket, nothing kept
