"""Status polls answered by the lean path on PostgreSQL (app/fastpath/status.py): exactly as the
route answers them, and every refusal handed to the route."""

from typing import Any

import pytest

from app.core.auth import Scope
from app.fastpath.steps import PollSteps
from app.models.base import today
from tests.factories import Tenant
from tests.fastpath.polls import comparable, polled
from tests.problems import assert_problem
from tests.replicas import replica


async def test_the_lean_path_answers_exactly_as_the_route(
    tenant: Tenant, database_url: str
) -> None:
    """Side by side: a replica with the lean path and one without, the same polls."""
    project, url = await polled(tenant)
    etag = f'"{project["version"]}.{today():%Y%m%d}"'
    polls: list[dict[str, str]] = [{}, {"If-None-Match": etag}, {"If-None-Match": f'W/"0", {etag}'}]
    async with (
        replica(database_url) as lean,
        replica(database_url, lean_project_polls=False) as full,
    ):
        for extra in polls:
            headers = {**tenant.headers(), **extra}
            assert comparable(await lean.get(url, headers=headers)) == comparable(
                await full.get(url, headers=headers)
            )


async def test_a_revoked_or_expired_key_is_refused_though_the_document_is_kept(
    tenant: Tenant,
) -> None:
    _, url = await polled(tenant)
    created = await tenant.post(
        "/v1/api-keys", json={"name": "pm tool", "scopes": ["projects:read"]}
    )
    key = created.json()["key"]
    assert (await tenant.client.get(url, headers=tenant.headers(key))).status_code == 200
    assert (await tenant.delete(f"/v1/api-keys/{created.json()['id']}")).status_code == 204
    assert_problem(
        await tenant.client.get(url, headers=tenant.headers(key)), 401, "unauthenticated"
    )


async def test_a_key_without_the_scope_or_of_another_organization_is_refused(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project, url = await polled(tenant)
    members_only = await tenant.key_with(Scope.members_read)
    refused = await tenant.client.get(url, headers=tenant.headers(members_only))
    assert_problem(refused, 403, "forbidden")
    assert_problem(await other_tenant.get(url), 404)
    cached = {"If-None-Match": f'"{project["version"]}.{today():%Y%m%d}"'}
    assert_problem(await other_tenant.get(url, headers=cached), 404)


async def test_a_malformed_poll_gets_the_routes_answer(tenant: Tenant) -> None:
    _, url = await polled(tenant)
    too_long = {"If-None-Match": '"1", ' * 300}
    assert_problem(await tenant.get(url, headers=too_long), 422)
    assert_problem(await tenant.client.get(url), 401)
    basic = {"Authorization": f"Basic {tenant.key}"}
    assert_problem(await tenant.client.get(url, headers=basic), 401)


async def test_a_poll_counts_against_the_keys_rate_limit_once(
    tenant: Tenant, database_url: str
) -> None:
    project, url = await polled(tenant)
    etag = {"If-None-Match": f'"{project["version"]}.{today():%Y%m%d}"'}
    async with replica(database_url, rate_limit="3/minute") as limited:
        first = await limited.get(url, headers=tenant.headers())
        assert (
            first.headers["ratelimit"].endswith("r=2;t=60") or "r=2;" in first.headers["ratelimit"]
        )
        assert (await limited.get(url, headers={**tenant.headers(), **etag})).status_code == 304
        assert (await limited.get(url, headers=tenant.headers())).status_code == 200
        refused = await limited.get(url, headers=tenant.headers())
        refused_copy = await limited.get(url, headers={**tenant.headers(), **etag})
    assert refused_copy.status_code == 429  # a 304 would carry no quota; its refusal does
    assert int(refused_copy.headers["retry-after"]) > 0
    problem = assert_problem(refused, 429, "rate-limited")
    assert problem["instance"] == url
    assert int(refused.headers["retry-after"]) > 0


async def test_polls_meet_the_organizations_and_the_failed_authentication_limits_as_routes(
    tenant: Tenant, database_url: str
) -> None:
    """The lean path counts a poll against the organization's quota too, and refuses an address
    past its failed authentications before it reads the key: the same answers as the routes."""
    _, status_url = await polled(tenant)
    colleague = await tenant.key_with(Scope.projects_read)
    wrong = {"Authorization": "Bearer hk_live_" + "x" * 43}
    limits = {
        "rate_limit": "100/minute",
        "organization_rate_limit": "2/minute",
        "failed_auth_rate_limit": "1/minute",
    }
    seen = []
    for lean in (True, False):
        async with replica(database_url, lean_project_polls=lean, **limits) as client:
            answers = [
                await client.get(status_url, headers=tenant.headers()),
                await client.get("/v1/projects", headers=tenant.headers(colleague)),
                await client.get(status_url, headers=tenant.headers(colleague)),
                await client.get("/v1/projects?limit=1", headers=wrong),
                await client.get("/v1/projects", headers=tenant.headers()),
                await client.get(status_url, headers=tenant.headers()),
            ]
        seen.append([_without_the_wait(answer) for answer in answers])
    lean_answers, route_answers = seen
    assert lean_answers == route_answers
    assert [status for status, _, _ in lean_answers] == [200, 200, 429, 401, 429, 429]
    assert lean_answers[2][1]["detail"].startswith("The API keys of this organization made")
    assert lean_answers[4][1]["detail"].startswith("This address failed to authenticate")


def _without_the_wait(response: Any) -> tuple[int, Any, dict[str, str]]:
    """`comparable`, without the seconds to wait (two replicas' windows begin apart)."""
    status, body, headers = comparable(response)
    if isinstance(body, dict) and "detail" in body:
        body = {**body, "detail": body["detail"].split("; try again in")[0]}
    headers.pop("retry-after", None)
    return status, body, headers


async def test_polls_are_measured_under_the_routes_name(tenant: Tenant) -> None:
    project, url = await polled(tenant)
    etag = {"If-None-Match": f'"{project["version"]}.{today():%Y%m%d}"'}
    assert (await tenant.get(url, headers=etag)).status_code == 304
    metrics = (await tenant.client.get("/metrics")).text
    assert (
        'handover_http_requests_total{method="GET",route="/v1/projects/{project_id}/status",'
        'status="304"}' in metrics
    )


@pytest.mark.parametrize("scope", [Scope.projects_read, Scope.admin])
async def test_a_poll_records_that_the_key_was_used(tenant: Tenant, scope: Scope) -> None:
    _, url = await polled(tenant)
    created = await tenant.post("/v1/api-keys", json={"name": "poller", "scopes": [scope.value]})
    assert created.status_code == 201, created.text
    response = await tenant.client.get(url, headers=tenant.headers(created.json()["key"]))
    assert response.status_code == 200
    listed = (await tenant.get("/v1/api-keys")).json()["items"]
    used = next(key for key in listed if key["id"] == created.json()["id"])
    assert used["last_used_at"] is not None


async def test_when_the_lean_path_fails_the_route_answers(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure of the lean path (its connection, the rate limit's storage) is never the
    poll's answer: the route answers, as it would with the lean path off."""
    project, url = await polled(tenant)

    async def broken(*_: object) -> None:
        raise ConnectionResetError("the lean path's connection went away")

    monkeypatch.setattr(PollSteps, "fetch", broken)
    response = await tenant.get(url)
    assert response.status_code == 200
    assert response.json()["project_id"] == project["id"]
    listed = await tenant.get("/v1/projects?limit=1")
    assert listed.status_code == 200
