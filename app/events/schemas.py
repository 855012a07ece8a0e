"""The events feed contract: events as stored, and the catalogue of their types."""

import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, field_validator

from app.core.examples import with_examples
from app.core.schemas import OutputModel
from app.core.sync import SyncPage
from app.events.payloads.base import PROJECT_ID, RISK_ID, TIMESTAMP


class EventPayload(OutputModel):
    """What a webhook delivery of the event carries: the stored bytes, parsed, unchanged."""

    type: str
    timestamp: Annotated[str, Field(json_schema_extra={"format": "date-time"})] = Field(
        description="When it happened, ISO 8601 UTC with `Z`."
    )
    data: dict[str, Any] = Field(
        description="The aggregate's id (`risk_id`…), its `version`, `project_id` for a "
        "project's parts, then the type's own fields: see `GET /v1/event-types` and the "
        "OpenAPI `webhooks` section."
    )


class EventPublic(OutputModel):
    """Something that happened, written in the transaction of the change that caused it."""

    id: UUID = Field(
        description="Time-ordered; also the `webhook-id` of every delivery of this event."
    )
    type: str = Field(description="E.g. `risk.escalated`; see `GET /v1/event-types`.")
    occurred_at: datetime
    aggregate_type: str = Field(description="What the event is about: `project`, `risk`…")
    aggregate_id: UUID
    aggregate_version: int | None = Field(description="The aggregate's version after the change.")
    project_id: UUID | None = Field(description="The project, for a project and its parts.")
    payload: EventPayload

    @field_validator("payload", mode="before")
    @classmethod
    def _parse_stored(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, bytes | str) else value

    model_config = with_examples(
        {
            "id": "019ab0c6-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
            "type": "risk.escalated",
            "occurred_at": TIMESTAMP,
            "aggregate_type": "risk",
            "aggregate_id": RISK_ID,
            "aggregate_version": 2,
            "project_id": PROJECT_ID,
            "payload": {
                "type": "risk.escalated",
                "timestamp": TIMESTAMP,
                "data": {
                    "risk_id": RISK_ID,
                    "version": 2,
                    "project_id": PROJECT_ID,
                    "old_score": 12,
                    "new_score": 16,
                    "old_band": "high",
                    "new_band": "critical",
                },
            },
        }
    )


class EventPage(SyncPage[EventPublic]):
    """A page of events, oldest first."""


class EventTypePublic(OutputModel):
    """One kind of event, as the feed lists it and webhooks deliver it."""

    type: str = Field(description="E.g. `risk.alert`; filter the feed with it (or `risk.*`).")
    description: str
    aggregate_types: list[str] = Field(
        description="What its events are about: `aggregate_type` in the feed, and "
        "`data.<aggregate_type>_id` in the payload. One kind, except for `risk.alert` "
        "(the risk, the milestone or the project that crossed)."
    )
    payload_schema: str = Field(
        description="The payload's schema in the OpenAPI document, also the request body of "
        "the type's entry in its `webhooks` section."
    )
    example: dict[str, Any] = Field(description="A whole payload, as a webhook receives it.")


class EventTypeList(OutputModel):
    """Every event type, in a stable order (by subject)."""

    items: list[EventTypePublic]
