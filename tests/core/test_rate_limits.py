"""Rate limits per API key: headers on every answer, a 429 with Retry-After past the quota, and
one count shared by replicas when the storage is Redis."""

from app.core.auth import Scope
from tests.crm.inbound import work
from tests.crm.samples import canonical_deal, connection, dumps, signed_generic
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.replicas import replica


async def test_a_key_past_its_quota_gets_429_and_another_key_does_not(
    tenant: Tenant, database_url: str
) -> None:
    other_key = await tenant.key_with(Scope.members_read)
    async with replica(database_url, rate_limit="3/minute") as client:
        seen = []
        for _ in range(3):
            response = await client.get("/v1/members", headers=tenant.headers())
            assert response.status_code == 200
            seen.append(response.headers["RateLimit"])
        assert [value.split(";")[1] for value in seen] == ["r=2", "r=1", "r=0"]
        assert response.headers["RateLimit-Policy"] == '"per-key";q=3;w=60'
        refused = await client.get("/v1/members", headers=tenant.headers())
        problem = assert_problem(refused, 429, "rate-limited")
        assert "3 requests in 60 s" in problem["detail"]
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["RateLimit"].startswith('"per-key";r=0;t=')
        allowed = await client.get("/v1/members", headers=tenant.headers(other_key))
        assert allowed.status_code == 200


async def test_a_refused_write_changes_nothing(tenant: Tenant, database_url: str) -> None:
    async with replica(database_url, rate_limit="1/minute") as client:
        await client.get("/v1/members", headers=tenant.headers())
        refused = await client.post(
            "/v1/customers", json={"name": "Initech"}, headers=tenant.headers()
        )
        assert_problem(refused, 429)
    assert (await tenant.get("/v1/customers")).json()["items"] == []


async def test_replicas_share_one_count_in_redis(tenant: Tenant, database_url: str) -> None:
    redis = {"rate_limit": "2/minute", "rate_limit_storage": "redis://127.0.0.1:6379"}
    key = await tenant.key_with(Scope.members_read)  # a new key: a count of its own in Redis
    async with replica(database_url, **redis) as first, replica(database_url, **redis) as second:
        assert (await first.get("/v1/members", headers=tenant.headers(key))).status_code == 200
        assert (await second.get("/v1/members", headers=tenant.headers(key))).status_code == 200
        assert_problem(await first.get("/v1/members", headers=tenant.headers(key)), 429)
        assert_problem(await second.get("/v1/members", headers=tenant.headers(key)), 429)


async def test_a_crm_connection_past_its_quota_gets_429_and_another_does_not(
    tenant: Tenant, database_url: str
) -> None:
    first, second = await connection(tenant, "generic"), await connection(tenant, "generic")
    async with replica(database_url, crm_rate_limit="2/minute", rate_limit="100/minute") as client:
        for external_id in ("D-1", "D-2"):
            body = dumps(canonical_deal(external_id))
            headers = signed_generic(first["secret"], body)
            answered = await client.post(first["path"], content=body, headers=headers)
            assert answered.status_code == 202, answered.text
        assert answered.headers["RateLimit-Policy"] == '"per-connection";q=2;w=60'
        assert answered.headers["RateLimit"].startswith('"per-connection";r=0;t=')
        body = dumps(canonical_deal("D-3"))
        refused = await client.post(
            first["path"], content=body, headers=signed_generic(first["secret"], body)
        )
        problem = assert_problem(refused, 429, "rate-limited")
        assert problem["detail"].startswith("This CRM connection sent more than 2 requests")
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        body = dumps(canonical_deal("D-4"))
        other = await client.post(
            second["path"], content=body, headers=signed_generic(second["secret"], body)
        )
        assert other.status_code == 202, other.text
    await work(tenant.database)
    pushed = {deal["external_id"] for deal in (await tenant.get("/v1/deals")).json()["items"]}
    assert pushed == {"D-1", "D-2", "D-4"}  # the refused push planned nothing
