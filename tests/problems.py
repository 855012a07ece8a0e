"""Assertions on problem+json answers, shared by the tests."""

from typing import Any

import httpx


def assert_problem(
    response: httpx.Response, status: int, slug: str | None = None
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status (and kind, when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("urn:handover:problem:")
    if slug is not None:
        assert problem["type"] == f"urn:handover:problem:{slug}"
    return problem


def locations(problem: dict[str, Any]) -> set[tuple[str | int, ...]]:
    return {tuple(error["loc"]) for error in problem["errors"]}
