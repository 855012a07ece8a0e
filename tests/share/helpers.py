"""Share links through the API, and the share page as a browser would use it."""

import re
from typing import Any

import httpx

from tests.factories import Tenant


async def share(tenant: Tenant, project_id: str, **body: Any) -> dict[str, Any]:
    response = await tenant.post(f"/v1/projects/{project_id}/share-links", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def page_path(link: dict[str, Any]) -> str:
    return f"/share/{link['token']}"


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def post_form(
    client: httpx.AsyncClient, link: dict[str, Any], form: str, fields: dict[str, Any]
) -> httpx.Response:
    """What the page's form sends: urlencoded, to `/share/{token}/{form}`."""
    return await client.post(f"{page_path(link)}/{form}", data=fields)


async def open_and_post(
    client: httpx.AsyncClient, link: dict[str, Any], form: str, fields: dict[str, Any]
) -> httpx.Response:
    """Open the page, then send one of its forms with the page's CSRF token."""
    page = await client.get(page_path(link))
    assert page.status_code == 200, page.text
    return await post_form(client, link, form, {"csrf_token": csrf_of(page), **fields})
