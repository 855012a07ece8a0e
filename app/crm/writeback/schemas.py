"""The write-backs contract: what was sent to a CRM deal, when, and what the CRM answered."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from app.core.pagination import Page
from app.core.schemas import OutputModel
from app.models import WritebackKind, WritebackStatus


class WritebackPublic(OutputModel):
    id: UUID
    connection_id: UUID
    project_id: UUID
    deal_id: UUID
    crm_record_id: str = Field(
        description="The deal's id in the CRM (a Salesforce Opportunity's id on Salesforce)."
    )
    kind: WritebackKind = Field(
        description="`fields`: the deal's delivery fields (the latest state when sent); "
        "`note`: a line on the deal's timeline."
    )
    event_type: str = Field(description="The change that called for it.")
    changes: int = Field(description="Changes it carried (a burst is coalesced into one).")
    note: str | None = Field(description="A note's text.")
    status: WritebackStatus = Field(
        description="`pending`, `sent`, `superseded` (a later update of the deal carried it), "
        "`skipped` (no field mapped) or `failed` (retry it once the cause is fixed)."
    )
    created_at: datetime
    next_attempt_at: datetime = Field(description="While pending: when it is sent next.")
    attempt_count: int
    sent_at: datetime | None = Field(description="When the CRM accepted it (or it was covered).")
    sent_body: dict[str, Any] | None = Field(description="What was sent last.")
    status_code: int | None = Field(description="The CRM's HTTP status, last attempt.")
    crm_answer: str | None = Field(description="The CRM's answer or the error, last attempt.")
    superseded_by_id: UUID | None = Field(description="The write-back that carried this one.")


class WritebackPage(Page[WritebackPublic]):
    """A page of write-backs, oldest first."""
