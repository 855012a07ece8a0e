"""Status documents kept in the database, and the lean path that answers polls from them.

A document is kept for its project's (version, day), so a replica that did not build it serves
it, a change or a new day rebuilds it, and an older build never replaces a newer one. On
PostgreSQL the lean path (app/projects/polling.py) answers what it can ahead of the route: these
tests check that it answers exactly as the route would, and hands every refusal to the route.
"""

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.clock.sweep import sweep
from app.core.auth import Scope
from app.db import Database
from app.models import StatusDocument
from app.models.base import today
from app.projects.polling import ProjectPolls
from app.projects.status import keep_document
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.projects.polls import comparable
from tests.replicas import replica

MARKER = b'{"kept": "as the first replica built it"}'


async def _kept(database: Database, project_id: str) -> StatusDocument | None:
    async with database.transaction(write=False) as session:
        found = await session.exec(
            select(StatusDocument).where(StatusDocument.project_id == UUID(project_id))
        )
        return found.first()


async def _replace_kept(database: Database, project_id: str, **values: Any) -> None:
    async with database.transaction() as session:
        await session.exec(
            update(StatusDocument)
            .where(StatusDocument.project_id == UUID(project_id))  # type: ignore[arg-type]
            .values(**values)
        )


async def _polled(tenant: Tenant, **project: Any) -> tuple[dict[str, Any], str]:
    created = await tenant.project(**project)
    url = f"/v1/projects/{created['id']}/status"
    assert (await tenant.get(url)).status_code == 200
    return created, url


async def test_the_first_poll_keeps_the_document_it_served(tenant: Tenant) -> None:
    project = await tenant.project()
    response = await tenant.get(f"/v1/projects/{project['id']}/status")
    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    assert (kept.version, kept.as_of) == (project["version"], today())
    assert kept.document == response.content


async def test_another_replica_serves_the_kept_document(tenant: Tenant, database_url: str) -> None:
    project, url = await _polled(tenant)
    await _replace_kept(tenant.database, project["id"], document=MARKER)
    async with replica(database_url) as other:
        response = await other.get(url, headers=tenant.headers())
    assert response.status_code == 200
    assert response.content == MARKER  # read, not built again
    assert response.headers["etag"] == f'"{project["version"]}.{today():%Y%m%d}"'


async def test_a_document_of_another_day_is_built_again(tenant: Tenant) -> None:
    project, url = await _polled(tenant)
    yesterday = today() - timedelta(days=1)
    await _replace_kept(tenant.database, project["id"], document=MARKER, as_of=yesterday)
    response = await tenant.get(url)
    assert response.status_code == 200
    assert response.json()["project_id"] == project["id"]
    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    assert (kept.as_of, kept.document) == (today(), response.content)


async def test_a_change_to_the_project_builds_it_again(tenant: Tenant) -> None:
    project, url = await _polled(tenant)
    await _replace_kept(tenant.database, project["id"], document=MARKER)
    renamed = await tenant.patch(f"/v1/projects/{project['id']}", json={"name": "Renamed"})
    assert renamed.status_code == 200
    response = await tenant.get(url)
    assert response.json()["name"] == "Renamed"
    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    assert kept.version == renamed.json()["version"] == response.json()["version"]


async def test_an_older_build_never_replaces_a_newer_one(tenant: Tenant) -> None:
    project, _ = await _polled(tenant)
    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    project_id = UUID(project["id"])
    await keep_document(tenant.database, project_id, kept.version - 1, today(), MARKER)
    yesterday = today() - timedelta(days=1)
    await keep_document(tenant.database, project_id, kept.version, yesterday, MARKER)
    after = await _kept(tenant.database, project["id"])
    assert after is not None
    assert (after.version, after.as_of, after.document) == (kept.version, kept.as_of, kept.document)
    await keep_document(tenant.database, project_id, kept.version + 1, today(), MARKER)
    newest = await _kept(tenant.database, project["id"])
    assert newest is not None
    assert (newest.version, newest.document) == (kept.version + 1, MARKER)


async def test_the_lean_path_answers_exactly_as_the_route(
    tenant: Tenant, database_url: str
) -> None:
    """Side by side: a replica with the lean path and one without, the same polls."""
    project, url = await _polled(tenant)
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
    _, url = await _polled(tenant)
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
    project, url = await _polled(tenant)
    members_only = await tenant.key_with(Scope.members_read)
    refused = await tenant.client.get(url, headers=tenant.headers(members_only))
    assert_problem(refused, 403, "forbidden")
    assert_problem(await other_tenant.get(url), 404)
    cached = {"If-None-Match": f'"{project["version"]}.{today():%Y%m%d}"'}
    assert_problem(await other_tenant.get(url, headers=cached), 404)


async def test_a_malformed_poll_gets_the_routes_answer(tenant: Tenant) -> None:
    _, url = await _polled(tenant)
    too_long = {"If-None-Match": '"1", ' * 300}
    assert_problem(await tenant.get(url, headers=too_long), 422)
    assert_problem(await tenant.client.get(url), 401)
    basic = {"Authorization": f"Basic {tenant.key}"}
    assert_problem(await tenant.client.get(url, headers=basic), 401)


async def test_a_poll_counts_against_the_keys_rate_limit_once(
    tenant: Tenant, database_url: str
) -> None:
    project, url = await _polled(tenant)
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
    _, status_url = await _polled(tenant)
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
    project, url = await _polled(tenant)
    etag = {"If-None-Match": f'"{project["version"]}.{today():%Y%m%d}"'}
    assert (await tenant.get(url, headers=etag)).status_code == 304
    metrics = (await tenant.client.get("/metrics")).text
    assert (
        'handover_http_requests_total{method="GET",route="/v1/projects/{project_id}/status",'
        'status="304"}' in metrics
    )


@pytest.mark.parametrize("scope", [Scope.projects_read, Scope.admin])
async def test_a_poll_records_that_the_key_was_used(tenant: Tenant, scope: Scope) -> None:
    _, url = await _polled(tenant)
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
    project, url = await _polled(tenant)

    async def broken(*_: object) -> None:
        raise ConnectionResetError("the lean path's connection went away")

    monkeypatch.setattr(ProjectPolls, "_fetch", broken)
    response = await tenant.get(url)
    assert response.status_code == 200
    assert response.json()["project_id"] == project["id"]
    listed = await tenant.get("/v1/projects?limit=1")
    assert listed.status_code == 200


async def test_the_clock_builds_the_documents_of_a_new_day(tenant: Tenant) -> None:
    project, url = await _polled(tenant)
    archived, _ = await _polled(tenant)
    assert (await tenant.delete(f"/v1/projects/{archived['id']}")).status_code == 204
    yesterday = today() - timedelta(days=1)
    for stale in (project, archived):
        await _replace_kept(tenant.database, stale["id"], document=MARKER, as_of=yesterday)

    await sweep(tenant.database)

    kept = await _kept(tenant.database, project["id"])
    assert kept is not None
    assert kept.as_of == today()
    assert kept.document != MARKER
    assert (await tenant.get(url)).content == kept.document  # served as the clock built it
    untouched = await _kept(tenant.database, archived["id"])
    assert untouched is not None
    assert (untouched.as_of, untouched.document) == (yesterday, MARKER)
