"""`data` of the events about webhook endpoints themselves."""

from uuid import UUID

from pydantic import Field

from app.events.payloads.base import ENDPOINT_ID, EventData, Version, example


class EndpointEventData(EventData):
    webhook_endpoint_id: UUID = Field(description="The endpoint (the aggregate of the event).")
    version: Version


_ENDPOINT = {"webhook_endpoint_id": ENDPOINT_ID, "version": 1}


class WebhookTestData(EndpointEventData):
    """Sent on demand to one endpoint alone, to check that it receives and verifies."""

    message: str

    model_config = example(
        _ENDPOINT,
        message="A test event from Handover.",
    )


class EndpointDisabledData(EndpointEventData):
    """The endpoint receives nothing more until it is enabled again."""

    reason: str = Field(description="Why: it answered 410 Gone, or failed for days.")

    model_config = example(
        _ENDPOINT,
        version=3,
        reason="Every delivery failed for 5 days.",
    )
