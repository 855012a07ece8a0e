"""`data` of the deal events: a deal won (its project planned), a known deal changed."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from app.core.schemas import unchanged
from app.events.payloads.base import (
    CUSTOMER_ID,
    MEMBER_ID,
    PROJECT_ID,
    TIMESTAMP,
    EventData,
    ProjectId,
    Version,
    example,
)
from app.models import CrmSource
from app.projects.schemas import Money

DEAL_ID = "019ab0c5-8c9d-7eaf-9b0c-1d2e3f4a5b6c"
CONNECTION_ID = "019ab0c5-9dae-7fb0-8c1d-2e3f4a5b6c7d"


class DealReference(BaseModel):
    """The deal a project came from."""

    deal_id: UUID
    source: CrmSource
    external_id: str = Field(description="The deal's id in its CRM.")


class DealEventData(EventData):
    deal_id: UUID
    version: Version
    project_id: ProjectId


_DEAL = {"deal_id": DEAL_ID, "version": 1, "project_id": PROJECT_ID}


class DealWonData(DealEventData):
    """The deal, as won; `project_id` is the project planned for it."""

    source: CrmSource
    external_id: str = Field(description="The deal's id in its CRM.")
    connection_id: UUID | None = Field(description="The CRM connection it came through.")
    name: str
    customer_id: UUID
    amount: Money | None
    close_date: date | None
    stage: str | None
    sales_owner_id: UUID | None
    won_at: datetime

    model_config = example(
        _DEAL,
        source="hubspot",
        external_id="1234567",
        connection_id=CONNECTION_ID,
        name="Globex CRM rollout",
        customer_id=CUSTOMER_ID,
        amount={"amount": "120000.00", "currency": "EUR"},
        close_date="2026-11-20",
        stage="closedwon",
        sales_owner_id=MEMBER_ID,
        won_at=TIMESTAMP,
    )


class DealUpdatedData(DealEventData):
    """A later push changed a deal that has its project: the changed fields, with their new
    values (absent: unchanged). The project is not planned again."""

    name: str = unchanged()
    amount: Money | None = None
    close_date: date | None = None
    stage: str | None = None
    requirements: str | None = None
    line_items: list[dict[str, Any]] = unchanged()
    customer_id: UUID = unchanged()
    sales_owner_id: UUID | None = None

    model_config = example(
        _DEAL,
        version=2,
        amount={"amount": "135000.00", "currency": "EUR"},
        close_date="2026-11-27",
    )


class DealLostData(DealEventData):
    """A won deal was moved to lost in its CRM. Its project is flagged (`deal_lost_at`), never
    closed: what happens to the work is the delivery team's call."""

    lost_at: datetime

    model_config = example(_DEAL, version=3, lost_at=TIMESTAMP)
