"""An operation documents the problems its inputs can cause without its route listing them
(app/core/routing.py `implied_problems`): a route lists only the problems of its own rules."""

from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Header
from pydantic import BaseModel

from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.routing import api_router
from app.main import create_app


class Note(BaseModel):
    text: str


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    """The document the app serves, built once for every check below."""
    return create_app().openapi()


# The CRM intake answers an unknown connection as it answers a bad signature (401): a 404 would
# tell a stranger which connection ids exist.
SAYS_NOTHING_OF_IDS = {"POST /v1/integrations/{provider}/{connection_id}/webhooks"}


def test_a_route_lists_its_own_problems_and_gets_those_its_inputs_imply() -> None:
    router = api_router("notes", prefix="/v1/notes")

    @router.get("")
    async def list_notes(cursor: str | None = None) -> list[Note]:
        return []

    @router.get("/{note_id}", responses=NOT_MODIFIED)
    async def get_note(note_id: int) -> Note:
        return Note(text="")

    @router.put("/{note_id}", responses=problem_responses(409))
    async def replace_note(note_id: int, body: Note, if_match: Annotated[str, Header()]) -> Note:
        return body

    app = FastAPI()
    app.include_router(router)
    answers = {name: list(operation["responses"]) for name, operation in _operations(app.openapi())}
    api_wide = ["401", "403", "422", "500"]
    assert answers == {
        "GET /v1/notes": ["200", *api_wide, "400"],
        "GET /v1/notes/{note_id}": ["200", *api_wide, "404", "304"],
        "PUT /v1/notes/{note_id}": ["200", *api_wide, "404", "409", "412", "413", "415"],
    }


@pytest.mark.parametrize(
    ("why", "statuses"),
    [
        ("a path parameter", {"404"}),
        ("a cursor", {"400"}),
        ("If-Match", {"412"}),
        ("a body", {"413", "415"}),
    ],
    ids=["path", "cursor", "if-match", "body"],
)
def test_every_operation_documents_the_problems_its_inputs_can_cause(
    served: dict[str, Any], why: str, statuses: set[str]
) -> None:
    """Read from the served document itself: its parameters and bodies, not the route code."""
    missing = []
    for name, operation in _operations(served):
        parameters = {(p["in"], p["name"].lower()) for p in operation.get("parameters", [])}
        takes = {
            "a path parameter": any(place == "path" for place, _ in parameters),
            "a cursor": ("query", "cursor") in parameters,
            "If-Match": ("header", "if-match") in parameters,
            "a body": "application/json" in operation.get("requestBody", {}).get("content", {}),
        }[why]
        if (
            takes
            and not statuses <= operation["responses"].keys()
            and name not in SAYS_NOTHING_OF_IDS
        ):
            missing.append(name)
    assert missing == []
