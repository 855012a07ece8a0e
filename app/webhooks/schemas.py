"""The webhooks contract: endpoints (secrets shown once), deliveries and attempts."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints, field_validator

from app.core.examples import with_examples
from app.core.moments import Moment
from app.core.pagination import Page
from app.core.schemas import InputModel, OutputModel, PatchModel, ShortText, Url, unchanged
from app.core.sync import SyncPage
from app.models import DeliveryStatus

EVENT_TYPE_PATTERN = r"^[a-z_]+\.[a-z_]+$"
MAX_EVENT_TYPES = 50
DAY_SECONDS = 24 * 3600

WebhookUrl = Annotated[
    Url,
    Field(
        description="Where events are POSTed: `https`, to a host whose addresses are all public "
        "(checked at registration and again at every send; redirects are not followed)."
    ),
]
Description = Annotated[ShortText, Field(description="What this endpoint is for.")]
EventType = Annotated[str, StringConstraints(max_length=64, pattern=EVENT_TYPE_PATTERN)]
EventTypes = Annotated[
    list[EventType],
    Field(
        max_length=MAX_EVENT_TYPES,
        description="Exact event types to receive, e.g. `project.phase_changed` (no wildcards); "
        "empty: every type. A type the service does not emit simply never matches. "
        "Duplicates are dropped.",
    ),
]
Enabled = Annotated[
    bool,
    Field(
        description="A disabled endpoint receives nothing. Setting it back to `true` clears "
        "`disabled_reason`, `disabled_at` and `failing_since`."
    ),
]
DisabledReason = Annotated[
    ShortText,
    Field(description="Why it is disabled; only with `enabled: false` (or on a disabled one)."),
]


def _unique(types: list[str]) -> list[str]:
    return list(dict.fromkeys(types))


class WebhookEndpointCreate(InputModel):
    url: WebhookUrl
    description: Description | None = None
    event_types: EventTypes = Field(default_factory=list)
    enabled: Enabled = True
    disabled_reason: DisabledReason | None = None

    _unique_types = field_validator("event_types")(_unique)

    model_config = with_examples(
        {
            "url": "https://hooks.example.com/handover",
            "description": "PM tool sync",
            "event_types": ["project.phase_changed", "milestone.missed"],
        }
    )


class WebhookEndpointUpdate(PatchModel):
    model_config = with_examples(
        {"event_types": ["risk.alert", "project.created"], "enabled": True}
    )

    url: WebhookUrl = unchanged()
    description: Description | None = None
    event_types: EventTypes = unchanged()
    enabled: Enabled = unchanged()
    disabled_reason: DisabledReason | None = None

    _unique_types = field_validator("event_types")(_unique)


class WebhookEndpointPublic(OutputModel):
    id: UUID
    url: str
    description: str | None
    event_types: list[str] = Field(description="Empty: every type.")
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None = Field(
        description="Deliveries have failed continuously since then; the endpoint is disabled "
        "after five days of it."
    )
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, deliveries are signed with the new and the previous "
        "secret until then."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookEndpointWithSecret(WebhookEndpointPublic):
    secret: str = Field(
        description="The signing secret (`whsec_…`, Standard Webhooks). Shown only in this "
        "response: store it now."
    )


class WebhookEndpointPage(SyncPage[WebhookEndpointPublic]):
    """A page of webhook endpoints (never their secrets)."""


class SecretRotation(InputModel):
    model_config = with_examples({"grace_period_seconds": 3600})

    grace_period_seconds: int = Field(
        DAY_SECONDS,
        ge=0,
        le=7 * DAY_SECONDS,
        description="How long the replaced secret keeps signing too (0: stop at once). "
        "A secret replaced by an earlier rotation stops at once.",
    )


class WebhookTestSent(OutputModel):
    event_id: UUID = Field(description="The `webhook.test` event; its id is the `webhook-id`.")
    delivery_id: UUID = Field(description="Follow it at `/v1/webhook-deliveries/{id}`.")


class DeliveryRecovery(InputModel):
    model_config = with_examples({"since": "2027-01-10T08:00:00Z"})

    since: Moment = Field(
        description="Re-send every `failed` delivery of the endpoint created at or after this."
    )


class DeliveriesRecovered(OutputModel):
    recovered: int = Field(description="How many failed deliveries are pending again.")


class WebhookDeliveryPublic(OutputModel):
    id: UUID
    endpoint_id: UUID
    event_id: UUID = Field(description="Sent as `webhook-id`; the same on every attempt.")
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime = Field(description="When a `pending` delivery is due.")
    last_status_code: int | None
    created_at: datetime
    completed_at: datetime | None


class WebhookDeliveryPage(Page[WebhookDeliveryPublic]):
    """A page of deliveries."""


class WebhookAttemptPublic(OutputModel):
    id: UUID
    delivery_id: UUID
    attempted_at: datetime
    status_code: int | None = Field(description="None when no response came (timeout, refused).")
    duration_ms: int
    error: str | None
    response_excerpt: str | None = Field(description="The start of the response body, bounded.")


class WebhookAttemptPage(Page[WebhookAttemptPublic]):
    """A page of delivery attempts."""
