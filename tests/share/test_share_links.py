"""`/v1/projects/{project_id}/share-links`: issued with a token shown once, listed, revoked."""

import hashlib
from uuid import UUID

from sqlmodel import select

from app.models import ShareLink
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.share.helpers import page_path, share


async def test_a_link_is_issued_once_and_only_its_hash_is_kept(tenant: Tenant) -> None:
    project = await tenant.project()
    link = await share(tenant, project["id"], label="Steering committee", expires_in_days=7)
    token = link["token"]
    assert token.startswith("hs_")
    assert len(token) >= 3 + 43, "256 random bits, url-safe"
    assert link["url"] == f"http://handover.test/share/{token}"
    assert link["display_prefix"] == token[:9]
    assert link["label"] == "Steering committee"
    assert link["revoked_at"] is None

    async with tenant.database.transaction() as session:
        stored = (
            await session.exec(select(ShareLink).where(ShareLink.id == UUID(link["id"])))
        ).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.model_dump_json()
    days = (stored.expires_at - stored.created_at).total_seconds() / 86400
    assert 6.99 < days < 7.01

    read = await tenant.get(f"/v1/share-links/{link['id']}")
    assert read.status_code == 200
    assert "token" not in read.json()
    assert "url" not in read.json()
    again = await tenant.get(
        f"/v1/share-links/{link['id']}", headers={"If-None-Match": read.headers["etag"]}
    )
    assert again.status_code == 304


async def test_two_links_never_share_a_token(tenant: Tenant) -> None:
    project = await tenant.project()
    tokens = {(await share(tenant, project["id"]))["token"] for _ in range(5)}
    assert len(tokens) == 5


async def test_expiry_is_bounded(tenant: Tenant) -> None:
    project = await tenant.project()
    for days in (0, 366):
        response = await tenant.post(
            f"/v1/projects/{project['id']}/share-links", json={"expires_in_days": days}
        )
        assert_problem(response, 422)


async def test_revoking_stops_the_page_and_keeps_the_link_listed(tenant: Tenant) -> None:
    project = await tenant.project()
    kept = await share(tenant, project["id"])
    revoked = await share(tenant, project["id"])
    url = f"/v1/share-links/{revoked['id']}"
    stale = await tenant.delete(url, headers={"If-Match": '"7"'})
    assert_problem(stale, 412)
    assert (await tenant.client.get(page_path(revoked))).status_code == 200

    assert (await tenant.delete(url)).status_code == 204
    assert (await tenant.client.get(page_path(revoked))).status_code == 410
    assert (await tenant.client.get(page_path(kept))).status_code == 200
    assert (await tenant.delete(url)).status_code == 204, "revoking twice changes nothing"

    listed = (await tenant.get(f"/v1/projects/{project['id']}/share-links")).json()["items"]
    assert [item["id"] for item in listed] == [kept["id"], revoked["id"]]
    assert listed[1]["revoked_at"] is not None
    active = await tenant.get(
        f"/v1/projects/{project['id']}/share-links", params={"active": "true"}
    )
    assert [item["id"] for item in active.json()["items"]] == [kept["id"]]
    inactive = await tenant.get(
        f"/v1/projects/{project['id']}/share-links", params={"active": "false"}
    )
    assert [item["id"] for item in inactive.json()["items"]] == [revoked["id"]]


async def test_an_archived_project_is_not_shared_anew(tenant: Tenant) -> None:
    project = await tenant.project()
    assert (await tenant.delete(f"/v1/projects/{project['id']}")).status_code == 204
    response = await tenant.post(f"/v1/projects/{project['id']}/share-links", json={})
    assert_problem(response, 409)


async def test_another_organization_cannot_see_or_revoke_a_link(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    project = await other_tenant.project()
    theirs = await share(other_tenant, project["id"])
    assert_problem(await tenant.get(f"/v1/share-links/{theirs['id']}"), 404)
    assert_problem(await tenant.delete(f"/v1/share-links/{theirs['id']}"), 404)
    assert_problem(await tenant.get(f"/v1/projects/{project['id']}/share-links"), 404)
    assert (await tenant.client.get(page_path(theirs))).status_code == 200, "still open"
