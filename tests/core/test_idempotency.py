"""Idempotency-Key: a retried POST creates once and answers the same."""

from datetime import timedelta

from sqlmodel import select

from app.models import IdempotencyRecord, IdempotencyState
from app.models.base import utcnow
from tests.factories import Tenant


async def test_same_key_and_body_replays_the_first_response(tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "create-globex-1"}
    first = await tenant.post("/v1/customers", json={"name": "Globex"}, headers=headers)
    again = await tenant.post("/v1/customers", json={"name": "Globex"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len((await tenant.get("/v1/customers")).json()["items"]) == 1


async def test_same_key_with_another_body_is_422(tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "k-1"}
    assert (await tenant.post("/v1/customers", json={"name": "A"}, headers=headers)).is_success
    other = await tenant.post("/v1/customers", json={"name": "B"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "urn:handover:problem:idempotency-key-reused"
    # The same key on another endpoint is another request too.
    member = {"name": "A", "email": "a@example.com", "role": "sales"}
    assert (await tenant.post("/v1/members", json=member, headers=headers)).status_code == 422
    assert [c["name"] for c in (await tenant.get("/v1/customers")).json()["items"]] == ["A"]


async def _in_flight(tenant: Tenant, key: str, body: bytes, locked_for: timedelta) -> None:
    """What a request that is still running (or died) leaves behind: its claim."""
    from starlette.requests import Request

    from app.core.idempotency import _fingerprint

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/customers",
        "headers": [],
        "query_string": b"",
    }
    now = utcnow()
    async with tenant.database.transaction() as session:
        session.add(
            IdempotencyRecord(
                organization_id=tenant.organization_id,
                key=key,
                fingerprint=_fingerprint(Request(scope), body),
                state=IdempotencyState.in_flight,
                locked_until=now + locked_for,
                expires_at=now + timedelta(hours=24),
            )
        )


async def test_same_request_while_the_first_is_running_is_409(tenant: Tenant) -> None:
    body = b'{"name": "A"}'
    await _in_flight(tenant, "running", body, timedelta(seconds=60))
    response = await tenant.post(
        "/v1/customers",
        content=body,
        headers={"Idempotency-Key": "running", "Content-Type": "application/json"},
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:handover:problem:idempotency-key-in-flight"
    assert (await tenant.get("/v1/customers")).json()["items"] == []


async def test_claim_of_a_request_that_died_is_taken_over(tenant: Tenant) -> None:
    body = b'{"name": "A"}'
    await _in_flight(tenant, "died", body, timedelta(seconds=-1))
    response = await tenant.post(
        "/v1/customers",
        content=body,
        headers={"Idempotency-Key": "died", "Content-Type": "application/json"},
    )
    assert response.status_code == 201
    replay = await tenant.post(
        "/v1/customers",
        content=body,
        headers={"Idempotency-Key": "died", "Content-Type": "application/json"},
    )
    assert replay.json() == response.json()


async def test_failed_request_releases_its_key(tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "retry-me"}
    unknown = "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b"
    failed = await tenant.post(
        "/v1/projects", json={"name": "P", "customer_id": unknown}, headers=headers
    )
    assert failed.status_code == 422
    async with tenant.database.transaction(write=False) as session:
        left = await session.exec(
            select(IdempotencyRecord).where(
                IdempotencyRecord.organization_id == tenant.organization_id
            )
        )
        assert left.all() == []
    customer = await tenant.customer()
    fixed = await tenant.post(
        "/v1/projects", json={"name": "P", "customer_id": customer["id"]}, headers=headers
    )
    assert fixed.status_code == 201


async def test_keys_are_per_organization(tenant: Tenant, other_tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "shared-name"}
    mine = await tenant.post("/v1/customers", json={"name": "Mine"}, headers=headers)
    theirs = await other_tenant.post("/v1/customers", json={"name": "Theirs"}, headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers


async def test_expired_key_runs_afresh(tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "old"}
    first = await tenant.post("/v1/customers", json={"name": "A"}, headers=headers)
    async with tenant.database.transaction() as session:
        record = (
            await session.exec(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.organization_id == tenant.organization_id
                )
            )
        ).one()
        record.expires_at = utcnow() - timedelta(seconds=1)
    second = await tenant.post("/v1/customers", json={"name": "B"}, headers=headers)
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]


async def test_malformed_key_is_422(tenant: Tenant) -> None:
    for key in ("", "x" * 256, "has space"):
        response = await tenant.post(
            "/v1/customers", json={"name": "A"}, headers={"Idempotency-Key": key}
        )
        assert response.status_code == 422, key
