"""What every event's `data` shares, and the sample values its examples are written with."""

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from app.core.examples import with_examples

Version = Annotated[
    int,
    Field(
        description="The aggregate's version after the change. Deliveries may arrive out of "
        "order: an event whose version is below the one you hold is stale. The events of one "
        "change share its version."
    ),
]
ProjectId = Annotated[UUID, Field(description="The project it belongs to.")]

# Sample values the examples share, so that one example's ids match another's.
PROJECT_ID = "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b"
CUSTOMER_ID = "019ab0c4-6d21-7a0e-8f55-1b2c3d4e5f60"
MEMBER_ID = "019ab0c4-5c10-7b9d-a2e4-6f7a8b9c0d1e"
OTHER_MEMBER_ID = "019ab0c4-5c11-7b9d-a2e4-6f7a8b9c0d1f"
MILESTONE_ID = "019ab0c5-0a1b-7c2d-9e3f-4a5b6c7d8e9f"
OTHER_MILESTONE_ID = "019ab0c5-0a1c-7c2d-9e3f-4a5b6c7d8ea0"
ACTIVITY_ID = "019ab0c5-1b2c-7d3e-8f4a-5b6c7d8e9fa1"
ALLOCATION_ID = "019ab0c5-2c3d-7e4f-9a5b-6c7d8e9fa0b2"
RISK_ID = "019ab0c5-3d4e-7f5a-8b6c-7d8e9fa0b1c3"
STATUS_REPORT_ID = "019ab0c5-4e5f-7a6b-9c7d-8e9fa0b1c2d4"
SHARE_LINK_ID = "019ab0c5-8c9d-7e0f-9a1b-c2d3e4f5a6b7"
ENDPOINT_ID = "019ab0c5-5f6a-7b7c-8d8e-9fa0b1c2d3e5"
TIMESTAMP = "2027-01-18T09:30:12.345678Z"


class EventData(BaseModel):
    """The `data` of an event. Fields may be added over time: ignore the ones you do not know."""


def example(*samples: dict[str, Any], **fields: Any) -> ConfigDict:
    """A model config whose JSON Schema carries one example: the `samples` a domain's events
    share, then this event's `fields`. A field already in a sample keeps the sample's place
    (the published example's key order), with this event's value."""
    merged: dict[str, Any] = {}
    for sample in (*samples, fields):
        merged.update(sample)
    return with_examples(merged)
