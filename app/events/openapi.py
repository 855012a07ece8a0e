"""The OpenAPI `webhooks` section: what Handover POSTs to a subscriber, one entry per type."""

from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from app.events.catalogue import CATALOGUE, SCHEMA_REF, EventType

HEADERS: list[dict[str, Any]] = [
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "description": "The event's id: the same on every attempt and for every endpoint. "
        "Delivery is at-least-once: process each id once.",
        "schema": {"type": "string", "format": "uuid"},
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "description": "When this attempt was signed, in Unix seconds. Refuse a timestamp "
        "far from your clock (the `standardwebhooks` package allows 5 minutes).",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "description": '`v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`'
        ", one per live secret (two while a rotated secret is still honoured), "
        "space-separated. The HMAC key is the base64-decoded part of the `whsec_…` secret. "
        "Verify the raw body with the `standardwebhooks` package before parsing it.",
        "schema": {"type": "string"},
    },
]

RESPONSES = {
    "2XX": {"description": "Return any 2xx to acknowledge"},
    "410": {"description": "Gone: the endpoint is disabled and receives nothing more."},
    "default": {
        "description": "Anything else, a redirect or a timeout is retried with backoff for "
        "about three days, with the same `webhook-id` (`Retry-After` is honoured)."
    },
}


class _PayloadSchema(GenerateJsonSchema):
    """Payloads are what is sent: a field of a change event is absent when it did not change,
    which a default would misstate (`"default": null` on a field that is never null)."""

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])


def _operation(entry: EventType) -> dict[str, Any]:
    return {
        "tags": ["webhooks"],
        "summary": entry.summary,
        "description": f"{entry.description}\n\nAbout: "
        + ", ".join(f"`{kind}` (`data.{kind}_id`)" for kind in entry.aggregate_types)
        + ".",
        "operationId": "on_" + entry.name.replace(".", "_"),
        "parameters": HEADERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": entry.payload_ref},
                    "example": entry.example(),
                }
            },
        },
        "responses": RESPONSES,
    }


def webhook_operations() -> tuple[dict[str, Any], dict[str, Any]]:
    """`webhooks` (type → path item) and the component schemas their payloads refer to."""
    _, definitions = models_json_schema(
        [(entry.payload, "serialization") for entry in CATALOGUE.values()],
        ref_template=SCHEMA_REF,
        schema_generator=_PayloadSchema,
    )
    webhooks = {entry.name: {"post": _operation(entry)} for entry in CATALOGUE.values()}
    return webhooks, definitions["$defs"]
