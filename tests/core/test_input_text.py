"""No request body stores a NUL or a lone surrogate (PostgreSQL cannot): refused with a 422
wherever the string sits, a list's item or a mapping's key or value at any depth."""

import json
from typing import Any

import pytest
from pydantic import ValidationError

from app.core.schemas import InputModel
from tests.factories import Tenant
from tests.problems import assert_problem
from tests.rhythm import ok

# Texts of a usual length: the lessons' search ranks by BM25 over every stored lesson.
LESSON = {
    "title": "Data migration was estimated from the sales deck",
    "what_happened": "The migration of the legacy CRM took three times the estimate.",
    "category": "estimation",
    "outcome": "failure",
}
BAD_TEXT = ["a\u0000b", "lone \ud800 surrogate"]


async def _send(tenant: Tenant, method: str, url: str, body: dict[str, Any]) -> Any:
    """JSON as a client writes it: a lone surrogate escaped as `\\ud800`."""
    headers = {"Content-Type": "application/json"}
    return await tenant.request(method, url, content=json.dumps(body), headers=headers)


@pytest.mark.parametrize("tag", BAD_TEXT)
async def test_a_nul_in_a_lesson_tag_is_422(tenant: Tenant, tag: str) -> None:
    project = await tenant.project()
    url = f"/v1/projects/{project['id']}/lessons"
    created = await _send(tenant, "POST", url, {**LESSON, "tags": ["ok", tag]})
    problem = assert_problem(created, 422)
    assert [error["loc"][:2] for error in problem["errors"]] == [["body", "tags"]]
    lesson = ok(await tenant.post(url, json={**LESSON, "tags": ["ok"]}), 201)
    patched = await _send(tenant, "PATCH", f"/v1/lessons/{lesson['id']}", {"tags": [tag]})
    assert_problem(patched, 422)
    assert ok(await tenant.get(f"/v1/lessons/{lesson['id']}"))["tags"] == ["ok"]
    assert [item["id"] for item in ok(await tenant.get(url))["items"]] == [lesson["id"]]


class _Nested(InputModel):
    labels: dict[str, list[str]]
    pairs: list[tuple[str, str]]


@pytest.mark.parametrize(
    "body",
    [
        {"labels": {"a": ["b", "c\u0000"]}, "pairs": []},
        {"labels": {"a\u0000": []}, "pairs": []},
        {"labels": {}, "pairs": [("x", "y\ud800")]},
    ],
)
def test_every_string_of_a_field_is_checked_at_any_depth(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _Nested.model_validate(body)
    _Nested.model_validate({"labels": {"a": ["b"]}, "pairs": [("x", "y")]})


async def test_a_nul_in_a_search_is_422(tenant: Tenant) -> None:
    project = await tenant.project()
    for url in ("/v1/lessons", f"/v1/projects/{project['id']}/lessons"):
        for name in ("q", "tag"):
            problem = assert_problem(await tenant.get(url, params={name: "a\u0000b"}), 422)
            assert [error["loc"] for error in problem["errors"]] == [["query", name]]
