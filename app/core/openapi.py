"""The OpenAPI document as a product: operation ids, problem schemas, scopes."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from app.core.auth import SCOPE_DESCRIPTIONS
from app.core.errors import Problem
from app.events.openapi import webhook_operations

DESCRIPTION = """\
Handover turns closed-won CRM deals into planned projects, and keeps sales and delivery on one
page afterwards.

Every error is `application/problem+json` (RFC 9457). Lists are cursor-paginated
(`next_cursor`, `Link: rel="next"`). Single resources carry an `ETag`: send `If-None-Match` to get
a 304, `If-Match` on PATCH/DELETE to get a 412 instead of overwriting a newer version. POSTs
accept an `Idempotency-Key`.

Scopes of the API keys:
""" + "\n".join(f"- `{scope}`: {text}" for scope, text in SCOPE_DESCRIPTIONS.items())


def operation_id(route: APIRoute) -> str:
    """The route function's name: `list_projects`, `get_member` — stable and snake_case."""
    return route.name


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=DESCRIPTION,
        routes=app.routes,
        tags=[
            {"name": "projects", "description": "What was sold, being delivered."},
            {"name": "milestones", "description": "What is due when; dependencies; timeline."},
            {"name": "raci", "description": "Responsible, Accountable, Consulted, Informed."},
            {"name": "allocations", "description": "People's time on projects; conflicts."},
            {"name": "risks", "description": "The risk register and its history."},
            {"name": "status-reports", "description": "Reports, frozen at publication."},
            {"name": "feedback", "description": "What the customer said, and what was done."},
            {"name": "surveys", "description": "CSAT and NPS responses."},
            {"name": "meetings", "description": "Meetings, decisions and recurring cadences."},
            {"name": "action-items", "description": "Who owes what, by when, and since where."},
            {
                "name": "change-requests",
                "description": "Scope asked for after signature; the baseline it is measured on.",
            },
            {"name": "lessons", "description": "What earlier projects learned, searchable."},
            {"name": "members", "description": "The people who sell, plan and deliver."},
            {"name": "customers", "description": "The buyers, and the account view."},
            {"name": "events", "description": "What happened, in order; the event catalogue."},
            {"name": "webhooks", "description": "Signed, retried deliveries of events."},
            {"name": "api-keys", "description": "Keys for programs (scope `admin`)."},
            {"name": "organization", "description": "The caller's organization and its settings."},
            {"name": "operations", "description": "Probes and metrics."},
        ],
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    _, problem_schemas = models_json_schema(
        [(Problem, "serialization")], ref_template="#/components/schemas/{model}"
    )
    schemas.update(problem_schemas.get("$defs", {}))
    add_webhooks(document)
    app.openapi_schema = document
    return document


def add_webhooks(document: dict[str, Any]) -> None:
    """OpenAPI 3.1 `webhooks`: what is POSTed to subscribers, one entry per event type of
    `app.events.catalogue`, with the payload schemas added to the components."""
    webhooks, payload_schemas = webhook_operations()
    schemas = document["components"]["schemas"]
    for name, schema in payload_schemas.items():
        if schemas.setdefault(name, schema) != schema:
            raise ValueError(f"Two different schemas are named {name}.")
    document["webhooks"] = webhooks
