"""API keys: the secret is shown once, works with exactly its scopes, and stops at revocation."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from app.core.auth import DISPLAY_PREFIX_LENGTH, hash_key
from app.models import ApiKey
from tests.factories import Tenant
from tests.problems import assert_problem


async def _create(tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = await tenant.post("/v1/api-keys", json={"name": "jira-sync", **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _listed(tenant: Tenant) -> dict[str, dict[str, Any]]:
    response = await tenant.get("/v1/api-keys", params={"limit": 200})
    assert response.status_code == 200
    return {key["id"]: key for key in response.json()["items"]}


async def _stored_keys(tenant: Tenant) -> list[ApiKey]:
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(ApiKey).where(ApiKey.organization_id == tenant.organization_id)
        )
        return list(rows)


async def test_created_key_shows_its_secret_once(tenant: Tenant) -> None:
    created = await _create(tenant, scopes=["projects:read"])
    secret = created["key"]
    assert secret.startswith("hk_live_")
    assert len(secret) > 40
    assert created["display_prefix"] == secret[:DISPLAY_PREFIX_LENGTH]
    assert created["name"] == "jira-sync"
    assert created["scopes"] == ["projects:read"]
    assert (created["expires_at"], created["revoked_at"], created["last_used_at"]) == (
        None,
        None,
        None,
    )
    listed = (await _listed(tenant))[created["id"]]
    assert "key" not in listed
    assert listed == {field: value for field, value in created.items() if field != "key"}
    assert secret not in (await tenant.get("/v1/api-keys")).text


async def test_only_a_hash_of_the_secret_is_stored(tenant: Tenant) -> None:
    created = await _create(tenant, scopes=["admin"])
    [stored] = [key for key in await _stored_keys(tenant) if str(key.id) == created["id"]]
    assert stored.key_hash == hash_key(created["key"])
    assert created["key"] not in stored.model_dump_json()


async def test_every_key_is_different(tenant: Tenant) -> None:
    secrets = {(await _create(tenant, scopes=["admin"]))["key"] for _ in range(5)}
    assert len(secrets) == 5


async def test_key_works_with_exactly_its_scopes(tenant: Tenant) -> None:
    customer = await tenant.customer()
    created = await _create(tenant, scopes=["projects:read", "customers:write"])
    headers = tenant.headers(created["key"])

    async def call(method: str, url: str, body: Any = None) -> int:
        response = await tenant.client.request(method, url, json=body, headers=headers)
        return response.status_code

    assert await call("GET", "/v1/projects") == 200
    assert await call("POST", "/v1/customers", {"name": "Initech"}) == 201
    assert await call("GET", "/v1/customers") == 403
    assert await call("POST", "/v1/projects", {"name": "P", "customer_id": customer["id"]}) == 403
    assert await call("GET", "/v1/members") == 403
    assert await call("GET", "/v1/api-keys") == 403
    assert await call("POST", "/v1/api-keys", {"name": "k", "scopes": ["admin"]}) == 403
    # What it created belongs to the organization that issued the key.
    names = [c["name"] for c in (await tenant.get("/v1/customers")).json()["items"]]
    assert names == ["Globex", "Initech"]
    assert (await tenant.get("/v1/projects")).json()["items"] == []


async def test_admin_key_may_do_everything_including_keys(tenant: Tenant) -> None:
    created = await _create(tenant, scopes=["admin"])
    headers = tenant.headers(created["key"])
    for url in ("/v1/members", "/v1/customers", "/v1/projects", "/v1/api-keys"):
        assert (await tenant.client.get(url, headers=headers)).status_code == 200
    another = await tenant.client.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["members:read"]}, headers=headers
    )
    assert another.status_code == 201


async def test_repeated_scopes_are_listed_once_in_order(tenant: Tenant) -> None:
    created = await _create(
        tenant, scopes=["projects:write", "members:read", "projects:write", "members:read"]
    )
    assert created["scopes"] == ["members:read", "projects:write"]


async def test_last_used_at_is_set_once_the_key_is_used(tenant: Tenant) -> None:
    created = await _create(tenant, scopes=["projects:read"])
    assert (await _listed(tenant))[created["id"]]["last_used_at"] is None
    before = datetime.now(UTC)
    response = await tenant.client.get("/v1/projects", headers=tenant.headers(created["key"]))
    assert response.status_code == 200
    last_used_at = (await _listed(tenant))[created["id"]]["last_used_at"]
    assert last_used_at is not None
    assert datetime.fromisoformat(last_used_at) >= before


async def test_revoked_key_stops_working_and_stays_listed(tenant: Tenant) -> None:
    created = await _create(tenant, scopes=["projects:read"])
    headers = tenant.headers(created["key"])
    assert (await tenant.client.get("/v1/projects", headers=headers)).status_code == 200

    revoke = await tenant.delete(f"/v1/api-keys/{created['id']}")
    assert revoke.status_code == 204
    assert revoke.content == b""
    refused = await tenant.client.get("/v1/projects", headers=headers)
    assert_problem(refused, 401, "unauthenticated")
    assert refused.headers["www-authenticate"] == "Bearer"

    listed = (await _listed(tenant))[created["id"]]
    assert listed["revoked_at"] is not None
    # Revoking again is harmless and keeps the first revocation time.
    assert (await tenant.delete(f"/v1/api-keys/{created['id']}")).status_code == 204
    assert (await _listed(tenant))[created["id"]]["revoked_at"] == listed["revoked_at"]


async def test_revoking_ones_own_key_locks_it_out_at_once(tenant: Tenant) -> None:
    created = await _create(tenant, scopes=["admin"])
    headers = tenant.headers(created["key"])
    response = await tenant.client.delete(f"/v1/api-keys/{created['id']}", headers=headers)
    assert response.status_code == 204
    assert_problem(await tenant.client.get("/v1/api-keys", headers=headers), 401, "unauthenticated")
    assert (await tenant.get("/v1/api-keys")).status_code == 200


async def test_key_with_a_future_expiry_works_and_shows_it(tenant: Tenant) -> None:
    expires_at = datetime.now(UTC) + timedelta(days=30)
    created = await _create(tenant, scopes=["members:read"], expires_at=expires_at.isoformat())
    assert datetime.fromisoformat(created["expires_at"]) == expires_at
    listed = (await _listed(tenant))[created["id"]]
    assert datetime.fromisoformat(listed["expires_at"]) == expires_at
    response = await tenant.client.get("/v1/members", headers=tenant.headers(created["key"]))
    assert response.status_code == 200


async def test_expiry_in_the_past_is_422_and_creates_no_key(tenant: Tenant) -> None:
    count = len(await _stored_keys(tenant))
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    response = await tenant.post(
        "/v1/api-keys", json={"name": "k", "scopes": ["admin"], "expires_at": past}
    )
    assert_problem(response, 422, "invalid-input")
    assert "expires_at" in response.json()["detail"]
    assert len(await _stored_keys(tenant)) == count


async def test_expiry_without_a_time_zone_is_422(tenant: Tenant) -> None:
    response = await tenant.post(
        "/v1/api-keys",
        json={"name": "k", "scopes": ["admin"], "expires_at": "2099-01-01T00:00:00"},
    )
    problem = assert_problem(response, 422, "validation")
    assert [error["loc"] for error in problem["errors"]] == [["body", "expires_at"]]


@pytest.mark.parametrize(
    "scopes", [[], ["projects:delete"], ["projects:read", "root"], ["ADMIN"], "admin", None]
)
async def test_scopes_must_be_known_and_not_empty(tenant: Tenant, scopes: Any) -> None:
    count = len(await _stored_keys(tenant))
    response = await tenant.post("/v1/api-keys", json={"name": "k", "scopes": scopes})
    problem = assert_problem(response, 422, "validation")
    assert all(error["loc"][:2] == ["body", "scopes"] for error in problem["errors"])
    assert len(await _stored_keys(tenant)) == count


async def test_scopes_are_required(tenant: Tenant) -> None:
    problem = assert_problem(
        await tenant.post("/v1/api-keys", json={"name": "k"}), 422, "validation"
    )
    assert [error["loc"] for error in problem["errors"]] == [["body", "scopes"]]


async def test_keys_of_another_organization_are_not_listed(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await _create(other_tenant, scopes=["admin"])
    assert theirs["id"] not in await _listed(tenant)
    assert len(await _listed(tenant)) == 1  # the tenant's own admin key
