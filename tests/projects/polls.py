"""Comparing the lean path's answers with the route's (app/projects/polling.py)."""

from typing import Any

import httpx


def comparable(response: httpx.Response) -> tuple[int, Any, dict[str, str]]:
    """Status, body and headers, but for what differs between any two requests."""
    ignored = {"x-request-id", "ratelimit"}
    body: Any = response.content
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        body = {k: v for k, v in response.json().items() if k != "request_id"}
        ignored.add("content-length")
    headers = {name: value for name, value in response.headers.items() if name not in ignored}
    return response.status_code, body, headers
