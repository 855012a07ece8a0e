"""The OpenAPI document as a product: operation ids, problem schemas, scopes."""

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from app.core.auth import SCOPE_DESCRIPTIONS
from app.core.errors import Problem
from app.core.ratelimit import PER_KEY, rate_limited_response

DESCRIPTION = """\
Handover turns closed-won CRM deals into planned projects, and keeps sales and delivery on one
page afterwards.

Every error is `application/problem+json` (RFC 9457). A query parameter an operation does not
declare is a 422 naming it (`errors[].type` `extra_forbidden`), like an unknown body field.
Lists are cursor-paginated (`next_cursor`, `Link: rel="next"`). Single resources carry an
`ETag`: send `If-None-Match` to get a 304, `If-Match` on PATCH/DELETE to get a 412 instead of
overwriting a newer version. POSTs accept an `Idempotency-Key`.

Scopes of the API keys:
""" + "\n".join(f"- `{scope}`: {text}" for scope, text in SCOPE_DESCRIPTIONS.items())


def operation_id(route: APIRoute) -> str:
    """The route function's name: `list_projects`, `get_member` — stable and snake_case."""
    return route.name


WebhookSection = Callable[[], tuple[dict[str, Any], dict[str, Any]]]


def build_openapi(app: FastAPI, webhooks: WebhookSection) -> dict[str, Any]:
    """The served document: FastAPI's, with problem+json, rate limits, links and the
    `webhooks` section that `webhooks` builds (the composition root passes the events domain's
    builder, so this machinery knows no domain)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=DESCRIPTION,
        routes=app.routes,
        tags=[
            {"name": "projects", "description": "What was sold, being delivered."},
            {
                "name": "handoffs",
                "description": "The brief sales hands to delivery, accepted before kickoff.",
            },
            {
                "name": "customer-tasks",
                "description": "What the customer must do, done from the share page.",
            },
            {"name": "milestones", "description": "What is due when; dependencies; timeline."},
            {"name": "raci", "description": "Responsible, Accountable, Consulted, Informed."},
            {"name": "allocations", "description": "People's time on projects; conflicts."},
            {"name": "risks", "description": "The risk register and its history."},
            {"name": "status-reports", "description": "Reports, frozen at publication."},
            {"name": "feedback", "description": "What the customer said, and what was done."},
            {"name": "surveys", "description": "CSAT and NPS responses."},
            {"name": "kpis", "description": "SMART targets: built-in or custom metrics, status."},
            {"name": "costs", "description": "Actual costs booked on projects (budget variance)."},
            {"name": "analytics", "description": "Portfolio and member metrics over a window."},
            {"name": "deals", "description": "Won deals in: each becomes exactly one project."},
            {"name": "crm", "description": "CRM connections, their secrets, what CRMs sent."},
            {
                "name": "crm-intake",
                "description": "Where CRMs push: signed requests, no API key.",
            },
            {
                "name": "project-templates",
                "description": "How projects from won deals are planned.",
            },
            {
                "name": "share-links",
                "description": "Capability URLs through which a customer sees their project "
                "(`/share/{token}`, an HTML page) and leaves feedback.",
            },
            {
                "name": "calendars",
                "description": "iCalendar feeds of projects and members, by key or by a "
                "rotatable secret URL for calendar applications.",
            },
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
    add_webhooks(document, *webhooks())
    add_rate_limits(document)
    add_links(document)
    app.openapi_schema = document
    return document


def add_rate_limits(document: dict[str, Any]) -> None:
    """Every operation that takes an API key may answer 429 (with `Retry-After`)."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if operation.get("security"):
                operation["responses"]["429"] = rate_limited_response(PER_KEY)


def add_webhooks(
    document: dict[str, Any], webhooks: dict[str, Any], payload_schemas: dict[str, Any]
) -> None:
    """OpenAPI 3.1 `webhooks`: what is POSTed to subscribers, one entry per event type, with
    the payload schemas added to the components."""
    schemas = document["components"]["schemas"]
    for name, schema in payload_schemas.items():
        if schemas.setdefault(name, schema) != schema:
            raise ValueError(f"Two different schemas are named {name}.")
    document["webhooks"] = webhooks


OPERATION_METHODS = ("get", "put", "patch", "post", "delete")
PATH_PARAMETER = re.compile(r"\{([a-z_]+)\}")


def _response_properties(document: dict[str, Any], response: dict[str, Any]) -> set[str]:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return set(schema.get("properties", {}))


def add_links(document: dict[str, Any]) -> None:
    """OpenAPI links from each create (a POST answering 201) to what can be done with what it
    created, so that a client, or a stateful test, can chain the calls.

    `POST …/risks` answering a body with an `id` links to every operation under
    `/v1/risks/{risk_id}` (the item, its sub-resources), the id feeding `risk_id`. A created
    body without an `id` links through its `…_id` fields instead (`POST /v1/deals` answers the
    `project_id` of the project it planned). Other path parameters of the target are fed from
    the request's own path when it has them; a target needing one it has not is left out.
    """
    paths = document.get("paths", {})
    items: dict[str, tuple[str, str]] = {}  # "/v1/risks/{risk_id}" -> ("risks", "risk_id")
    for path in paths:
        segments = path.split("/")
        if len(segments) == 4 and PATH_PARAMETER.fullmatch(segments[3]):
            items[path] = (segments[2], segments[3][1:-1])
    for source_path, path_item in paths.items():
        created = path_item.get("post", {}).get("responses", {}).get("201")
        if created is None or source_path.endswith("}"):
            continue
        fields = _response_properties(document, created)
        collection = source_path.rsplit("/", 1)[1]
        feeds: dict[str, str] = {}  # item path -> JSON pointer into the created body
        for item_path, (segment, parameter) in items.items():
            if "id" in fields and segment == collection:
                feeds[item_path] = "/id"
            elif "id" not in fields and parameter in fields:
                feeds[item_path] = f"/{parameter}"
        source_parameters = set(PATH_PARAMETER.findall(source_path))
        links: dict[str, Any] = {}
        for item_path, pointer in feeds.items():
            fed = items[item_path][1]
            for target_path, target_item in paths.items():
                if target_path != item_path and not target_path.startswith(item_path + "/"):
                    continue
                others = set(PATH_PARAMETER.findall(target_path)) - {fed}
                if not others <= source_parameters:
                    continue
                for method in OPERATION_METHODS:
                    target = target_item.get(method)
                    if target is None:
                        continue
                    links[target["operationId"]] = {
                        "operationId": target["operationId"],
                        "parameters": {
                            fed: f"$response.body#{pointer}",
                            **{name: f"$request.path.{name}" for name in sorted(others)},
                        },
                    }
        if links:
            created["links"] = dict(sorted(links.items()))
