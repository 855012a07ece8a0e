"""Rate limits per API key, per organization and on failed authentication per client address:
headers on every answer, a 429 with Retry-After past the quota, and one count shared by
replicas when the storage is Redis."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from app.core.auth import Scope
from app.db import Database
from app.main import create_app
from tests.conftest import close_app, settings_for
from tests.crm.inbound import work
from tests.crm.samples import canonical_deal, connection, dumps, signed_generic
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.replicas import SHARED_REDIS, replica
from tests.statements import count_statements


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
        assert response.headers["RateLimit-Policy"].startswith('"per-key";q=3;w=60, ')
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
    redis = {"rate_limit": "2/minute", **SHARED_REDIS}
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


async def test_the_keys_of_one_organization_share_its_quota(
    tenant: Tenant, other_tenant: Tenant, database_url: str
) -> None:
    second_key = await tenant.key_with(Scope.members_read)
    limits = {"rate_limit": "100/minute", "organization_rate_limit": "3/minute"}
    async with replica(database_url, **limits) as client:
        for key in (tenant.key, tenant.key, second_key):
            answered = await client.get("/v1/members", headers=tenant.headers(key))
            assert answered.status_code == 200
        assert answered.headers["RateLimit-Policy"] == (
            '"per-key";q=100;w=60, "per-organization";q=3;w=60'
        )
        assert answered.headers["RateLimit"].startswith('"per-key";r=99;t=')
        assert ', "per-organization";r=0;t=' in answered.headers["RateLimit"]
        refused = await client.get("/v1/members", headers=tenant.headers(second_key))
        problem = assert_problem(refused, 429, "rate-limited")
        assert problem["detail"].startswith(
            "The API keys of this organization made more than 3 requests in 60 s"
        )
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["RateLimit"].startswith('"per-organization";r=0;t=')
        other = await client.get("/v1/members", headers=other_tenant.headers())
        assert other.status_code == 200


async def test_a_request_the_keys_own_quota_refuses_leaves_the_organizations_alone(
    tenant: Tenant, database_url: str
) -> None:
    second_key = await tenant.key_with(Scope.members_read)
    limits = {"rate_limit": "1/minute", "organization_rate_limit": "2/minute"}
    async with replica(database_url, **limits) as client:
        assert (await client.get("/v1/members", headers=tenant.headers())).status_code == 200
        for _ in range(5):
            assert_problem(await client.get("/v1/members", headers=tenant.headers()), 429)
        colleague = await client.get("/v1/members", headers=tenant.headers(second_key))
        assert colleague.status_code == 200


@asynccontextmanager
async def _app(
    database_url: str, **overrides: object
) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """A replica whose database the test can watch."""
    app = create_app(settings_for(database_url, **overrides))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, app.state.database
    finally:
        await close_app(app)
        app.state.rate_limiter.close()


async def test_an_address_that_failed_to_authenticate_too_often_gets_429_without_a_lookup(
    tenant: Tenant, database_url: str
) -> None:
    async with _app(database_url, failed_auth_rate_limit="3/minute") as (client, database):
        wrong = {"Authorization": "Bearer hk_live_" + "x" * 43}
        assert_problem(await client.get("/v1/members", headers=wrong), 401)
        assert_problem(await client.get("/v1/members"), 401)  # no key at all counts too
        assert_problem(await client.post("/v1/customers", json={}, headers=wrong), 401)
        with count_statements(database) as statements:
            refused = await client.get("/v1/members", headers=wrong)
            refused_valid = await client.get("/v1/members", headers=tenant.headers())
        assert statements == []  # neither key was looked up
        problem = assert_problem(refused, 429, "rate-limited")
        assert problem["detail"].startswith(
            "This address failed to authenticate with more than 3 requests in 60 s"
        )
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["RateLimit-Policy"] == '"failed-authentication";q=3;w=60'
        assert_problem(refused_valid, 429, "rate-limited")  # the address is refused, not the key
    async with replica(database_url, failed_auth_rate_limit="3/minute") as fresh:
        assert (await fresh.get("/v1/members", headers=tenant.headers())).status_code == 200


async def test_successful_calls_do_not_count_as_failed_authentication(
    tenant: Tenant, database_url: str
) -> None:
    async with replica(database_url, failed_auth_rate_limit="2/minute") as client:
        for _ in range(5):
            assert (await client.get("/v1/members", headers=tenant.headers())).status_code == 200
        members_only = await tenant.key_with(Scope.members_read)
        for _ in range(3):  # a key without the scope is authenticated: 403, not counted
            refused = await client.get("/v1/customers", headers=tenant.headers(members_only))
            assert_problem(refused, 403)
        assert_problem(await client.get("/v1/members"), 401)
        assert (await client.get("/v1/members", headers=tenant.headers())).status_code == 200


async def test_x_forwarded_for_names_the_client_only_behind_a_trusted_proxy(
    tenant: Tenant, database_url: str
) -> None:
    """The test client connects from 127.0.0.1, as a proxy on the same machine would."""

    def forwarded(chain: str) -> dict[str, str]:
        return {"Authorization": "Bearer hk_live_unknown", "X-Forwarded-For": chain}

    limits = {"failed_auth_rate_limit": "2/minute"}
    async with replica(database_url, **limits) as direct:  # no proxy: the header is a lie
        for number in range(2):
            assert_problem(
                await direct.get("/v1/members", headers=forwarded(f"203.0.113.{number}")), 401
            )
        assert_problem(await direct.get("/v1/members", headers=forwarded("203.0.113.9")), 429)
    async with replica(
        database_url, trusted_proxies="127.0.0.0/8, 10.0.0.0/8", **limits
    ) as proxied:
        for _ in range(2):
            assert_problem(await proxied.get("/v1/members", headers=forwarded("203.0.113.1")), 401)
        # What the client wrote to the left of its own address changes nothing; a trusted
        # proxy's hop is passed over.
        spoofed = forwarded("198.51.100.7, 203.0.113.1, 10.1.2.3")
        assert_problem(await proxied.get("/v1/members", headers=spoofed), 429)
        assert_problem(await proxied.get("/v1/members", headers=forwarded("203.0.113.2")), 401)
