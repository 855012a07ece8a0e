"""Comparing the lean path's answers with the route's (app/fastpath/)."""

import base64
import json
from typing import Any

import httpx

from tests.factories import Tenant
from tests.replicas import replica


async def polled(tenant: Tenant, **project: Any) -> tuple[dict[str, Any], str]:
    """A new project whose status was polled once (so its document is kept), and that URL."""
    created = await tenant.project(**project)
    url = f"/v1/projects/{created['id']}/status"
    assert (await tenant.get(url)).status_code == 200
    return created, url


async def side_by_side(database_url: str, tenant: Tenant, url: str) -> tuple[Any, Any]:
    """`url` as the lean path answers it, and as the route answers it (the lean path off)."""
    async with (
        replica(database_url) as lean,
        replica(database_url, lean_project_polls=False) as full,
    ):
        return (
            comparable(await lean.get(url, headers=tenant.headers())),
            comparable(await full.get(url, headers=tenant.headers())),
        )


def _stand_in(cursor: str) -> str:
    """A cursor as what it names: the id it follows, or in a sync pass the (position, id) of
    the row and of the tombstone it follows. The snapshot it carries, and a sync token's
    snapshot and time, are those of the statement that read the page: two requests differ."""
    payload = cursor.split(".")[0]
    content = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if "rows" in content:
        return f"<rows after {content['rows']}, deleted after {content['deleted']}>"
    return f"<after {content['after']}>"


def comparable(response: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    """Status, body and headers, but for what differs between any two requests."""
    ignored = {"x-request-id", "ratelimit", "content-length"}
    body: Any = response.content
    headers = {name: value for name, value in response.headers.items() if name not in ignored}
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        body = {k: v for k, v in response.json().items() if k != "request_id"}
    elif response.status_code == 200 and body.startswith(b'{"items":'):
        page = response.json()
        if page["next_sync_token"] is not None:
            body = body.replace(page["next_sync_token"].encode(), b"<sync token>")
        if page["next_cursor"] is not None:
            stand_in = _stand_in(page["next_cursor"])
            body = body.replace(page["next_cursor"].encode(), stand_in.encode())
            headers["link"] = headers["link"].replace(page["next_cursor"], stand_in)
    return response.status_code, body, headers
