"""ETags: 304 for a current copy, 412 for a stale write, a new tag after every change."""

import pytest

from tests.factories import Tenant

KINDS = ["members", "customers", "projects"]
RISK = {"title": "Data migration slips", "category": "technical", "probability": 3, "impact": 4}


async def _create(tenant: Tenant, kind: str) -> dict[str, object]:
    return await {
        "members": tenant.member,
        "customers": tenant.customer,
        "projects": tenant.project,
    }[kind]()


@pytest.mark.parametrize("kind", KINDS)
async def test_if_none_match_with_the_current_tag_is_304(tenant: Tenant, kind: str) -> None:
    created = await _create(tenant, kind)
    url = f"/v1/{kind}/{created['id']}"
    first = await tenant.get(url)
    etag = first.headers["etag"]
    cached = await tenant.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    assert (await tenant.get(url, headers={"If-None-Match": '"999"'})).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
async def test_patch_with_a_stale_tag_is_412_and_changes_nothing(tenant: Tenant, kind: str) -> None:
    created = await _create(tenant, kind)
    url = f"/v1/{kind}/{created['id']}"
    etag = (await tenant.get(url)).headers["etag"]
    fresh = await tenant.patch(url, json={"name": "First"}, headers={"If-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != etag
    assert fresh.json()["version"] == 2
    stale = await tenant.patch(url, json={"name": "Second"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert (await tenant.get(url)).json()["name"] == "First"
    # The old copy is no longer current: a conditional GET returns it in full.
    assert (await tenant.get(url, headers={"If-None-Match": etag})).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
async def test_delete_with_a_stale_tag_is_412(tenant: Tenant, kind: str) -> None:
    created = await _create(tenant, kind)
    url = f"/v1/{kind}/{created['id']}"
    await tenant.patch(url, json={"name": "Changed"})
    response = await tenant.delete(url, headers={"If-Match": '"1"'})
    assert response.status_code == 412
    assert (await tenant.get(url)).status_code == 200
    assert (await tenant.delete(url, headers={"If-Match": '"2"'})).status_code == 204


async def test_date_derived_representations_expire_daily_but_stay_writable(
    tenant: Tenant,
) -> None:
    from datetime import timedelta

    from app.models.base import today

    project = await tenant.project()
    created = await tenant.post(
        f"/v1/projects/{project['id']}/milestones", json={"name": "M", "due_date": "2030-01-01"}
    )
    url = f"/v1/milestones/{created.json()['id']}"
    etag = (await tenant.get(url)).headers["etag"]
    assert etag == f'"1.{today():%Y%m%d}"'
    assert (await tenant.get(url, headers={"If-None-Match": etag})).status_code == 304
    yesterday = f'"1.{today() - timedelta(days=1):%Y%m%d}"'
    assert (await tenant.get(url, headers={"If-None-Match": yesterday})).status_code == 200
    # The tag names version 1 whatever its date: good for a write, until the version moves.
    assert (await tenant.patch(url, json={"name": "N"}, headers={"If-Match": etag})).is_success
    assert (
        await tenant.patch(url, json={"name": "O"}, headers={"If-Match": etag})
    ).status_code == 412


@pytest.mark.parametrize("kind", KINDS)
async def test_a_malformed_body_is_422_before_a_stale_tag_is_412(tenant: Tenant, kind: str) -> None:
    """The If-Match the row's loader expects is checked once the body is found valid, as it was
    when each route checked it: what is wrong with the request itself is said first."""
    created = await _create(tenant, kind)
    url = f"/v1/{kind}/{created['id']}"
    response = await tenant.patch(url, json={"name": False}, headers={"If-Match": '"7"'})
    assert response.status_code == 422
    assert (
        await tenant.patch(url, json={"name": "X"}, headers={"If-Match": '"7"'})
    ).status_code == 412


def test_every_operation_taking_if_match_has_it_checked_by_the_route_class() -> None:
    """A row loaded `…ToChange` leaves its If-Match check to `HandoverRoute` (app/core/etag.py
    `tagged_by_version`): an operation outside that class, or a sync endpoint it does not wrap,
    would skip the check."""
    import inspect

    from fastapi.routing import APIRoute

    from app.core import etag
    from app.core.routing import HandoverRoute, _dependants
    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(database_url="sqlite://"))
    checked = [
        route
        for route in app.router.routes
        if isinstance(route, APIRoute)
        and any(node.call is etag._write_check for node in _dependants(route.dependant))
    ]
    assert len(checked) > 40
    unchecked = [
        f"{sorted(route.methods)} {route.path}"
        for route in checked
        if not (isinstance(route, HandoverRoute) and inspect.iscoroutinefunction(route.endpoint))
    ]
    assert unchecked == []


async def test_every_answer_carrying_a_version_is_tagged_with_it(tenant: Tenant) -> None:
    """The route class tags creates, reads and changes alike: no route writes its own tag."""
    project = await tenant.project()
    created = await tenant.post(
        f"/v1/projects/{project['id']}/risks", json={**RISK, "response": "accept"}
    )
    assert created.status_code == 201
    assert created.headers["etag"] == f'"{created.json()["version"]}"'
    url = f"/v1/risks/{created.json()['id']}"
    read = await tenant.get(url)
    assert read.headers["etag"] == '"1"'
    changed = await tenant.patch(url, json={"impact": 5}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.headers["etag"] == f'"{changed.json()["version"]}"' != '"1"'
    assert (
        await tenant.get(url, headers={"If-None-Match": changed.headers["etag"]})
    ).status_code == 304
