"""Cursor pagination: stable, complete pages; cursors that cannot be forged or reused elsewhere."""

import base64

import pytest
from sqlmodel import col, select
from starlette.datastructures import URL

from app.core.pagination import MAX_PAGE_SIZE, next_url
from app.models import Member, MemberRole
from tests.factories import Tenant
from tests.tokens import with_spare_bits_set


async def _add_members(tenant: Tenant, count: int) -> list[str]:
    async with tenant.database.transaction() as session:
        members = [
            Member(
                organization_id=tenant.organization_id,
                name=f"Member {index}",
                email=f"m{index}@example.com",
                role=MemberRole.delivery,
            )
            for index in range(count)
        ]
        session.add_all(members)
    async with tenant.database.transaction(write=False) as session:
        rows = await session.exec(
            select(Member.id)
            .where(Member.organization_id == tenant.organization_id)
            .order_by(col(Member.id))
        )
        return [str(member_id) for member_id in rows]


async def test_pages_cover_the_list_once_in_order(tenant: Tenant) -> None:
    expected = await _add_members(tenant, 7)
    seen: list[str] = []
    url: str | None = "/v1/members?limit=3"
    pages = 0
    while url is not None:
        response = await tenant.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        if body["next_cursor"] is None:
            assert "link" not in response.headers
            url = None
        else:
            link = response.headers["link"]
            assert link.endswith('>; rel="next"')
            url = link[1 : link.index(">")]
            assert body["next_cursor"] in url
    assert seen == expected
    assert pages == 3


async def test_page_size_above_the_maximum_is_capped(tenant: Tenant) -> None:
    await _add_members(tenant, MAX_PAGE_SIZE + 5)
    response = await tenant.get("/v1/members", params={"limit": 10_000})
    assert response.status_code == 200
    assert len(response.json()["items"]) == MAX_PAGE_SIZE
    assert f"limit={MAX_PAGE_SIZE}" in response.headers["link"]


async def test_zero_page_size_is_422(tenant: Tenant) -> None:
    assert (await tenant.get("/v1/members", params={"limit": 0})).status_code == 422


async def test_tampered_cursor_is_400(tenant: Tenant) -> None:
    await _add_members(tenant, 3)
    cursor = (await tenant.get("/v1/members?limit=1")).json()["next_cursor"]
    _, signature = cursor.split(".")
    forged_payload = (
        base64.urlsafe_b64encode(b'{"after":"00000000-0000-0000-0000-000000000000"}')
        .decode()
        .rstrip("=")
    )
    tampered = (
        f"{forged_payload}.{signature}",
        "garbage",
        "a.b.c",
        cursor[:-2] + "zz",
        "%%%.",
        with_spare_bits_set(cursor),
    )
    for bad in tampered:
        response = await tenant.get("/v1/members", params={"cursor": bad})
        assert response.status_code == 400, bad
        assert response.json()["type"] == "urn:handover:problem:invalid-cursor"


async def test_cursor_of_another_list_or_organization_is_400(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    await _add_members(tenant, 3)
    cursor = (await tenant.get("/v1/members?limit=1")).json()["next_cursor"]
    assert (await tenant.get("/v1/customers", params={"cursor": cursor})).status_code == 400
    assert (await other_tenant.get("/v1/members", params={"cursor": cursor})).status_code == 400


async def test_filters_by_role_and_updated_since(tenant: Tenant) -> None:
    sales = await tenant.member(role="sales")
    await tenant.member(role="delivery")
    only_sales = (await tenant.get("/v1/members", params={"role": "sales"})).json()["items"]
    assert [member["id"] for member in only_sales] == [sales["id"]]
    later = await tenant.member(role="finance")
    since = await tenant.get("/v1/members", params={"updated_since": later["updated_at"]})
    assert [member["id"] for member in since.json()["items"]] == [later["id"]]


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/v1/projects",
        "http://testserver/v1/projects?limit=5",
        "https://api.example.com:8443/v1/projects?updated_since=2026-12-02T09:19:55%2B01:00&limit=50",
        "http://testserver/v1/risks?cursor=old.cursor&status=open&status=closed&q=a+b%26c&empty=",
        "http://testserver/v1/lessons?q=S%C3%BCd%20%E6%9D%B1&limit=2&limit=3",
    ],
)
def test_the_next_pages_url_is_starlettes(url: str) -> None:
    """The `Link` of the next page keeps every other parameter as Starlette would write it."""
    expected = URL(url).include_query_params(cursor="a-b_c.d-e", limit=20)
    assert next_url(URL(url), "a-b_c.d-e", 20) == str(expected)
