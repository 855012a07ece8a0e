"""`data` of the project's own events: created, updated, archived, phase and health changes."""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from app.core.schemas import unchanged
from app.events.payloads.base import (
    CUSTOMER_ID,
    MEMBER_ID,
    PROJECT_ID,
    TIMESTAMP,
    EventData,
    Version,
    example,
)
from app.events.payloads.deals import DEAL_ID, DealReference
from app.models import Health, Phase
from app.projects.health import HealthSource
from app.projects.schemas import Money


class ProjectEventData(EventData):
    project_id: UUID = Field(description="The project.")
    version: Version


_PROJECT = {"project_id": PROJECT_ID, "version": 1}


class ProjectCreatedData(ProjectEventData):
    """The new project, as it was created."""

    name: str
    description: str | None
    customer_id: UUID
    sales_owner_id: UUID | None
    project_manager_id: UUID | None
    start_date: date | None
    target_end_date: date | None
    budget: Money | None
    deal: DealReference | None = Field(
        None, description="The won deal it was planned from; absent for a project made by hand."
    )

    model_config = example(
        _PROJECT,
        name="Globex CRM rollout",
        description=None,
        customer_id=CUSTOMER_ID,
        sales_owner_id=None,
        project_manager_id=MEMBER_ID,
        start_date="2026-12-01",
        target_end_date="2027-03-31",
        budget={"amount": "120000.00", "currency": "EUR"},
        deal={"deal_id": DEAL_ID, "source": "hubspot", "external_id": "1234567"},
    )


class ProjectUpdatedData(ProjectEventData):
    """The fields the change sent, with their new values (`null`: cleared); absent: untouched."""

    name: str = unchanged()
    description: str | None = None
    customer_id: UUID = unchanged()
    sales_owner_id: UUID | None = None
    project_manager_id: UUID | None = None
    start_date: date | None = None
    target_end_date: date | None = None
    budget: Money | None = None
    health_override: Health | None = None
    health_override_reason: str | None = None
    crm_incomplete: bool = unchanged()
    deal_value: Money | None = None
    deal_lost_at: datetime | None = None
    unmatched_sales_owner_email: str | None = None

    model_config = example(
        _PROJECT,
        version=4,
        target_end_date="2027-04-30",
        health_override="amber",
        health_override_reason="Customer data arrives late",
    )


class ProjectArchivedData(ProjectEventData):
    archived_at: datetime = Field(description="From now on the project is read-only.")

    model_config = example(_PROJECT, version=12, archived_at=TIMESTAMP)


class ProjectPhaseChangedData(ProjectEventData):
    from_: Phase = Field(alias="from", description="The phase it left.")
    to: Phase = Field(description="The phase it is in now.")
    customer_acceptance_date: date | None = Field(
        description="When the customer accepted the delivery, once known (needed to close)."
    )

    model_config = example(
        _PROJECT,
        version=5,
        **{"from": "planning"},
        to="executing",
        customer_acceptance_date=None,
    )


class ProjectHealthChangedData(ProjectEventData):
    from_: Health = Field(alias="from", description="The health before.")
    to: Health = Field(description="The health now.")
    source: HealthSource = Field(description="`override` when a manager pinned it.")
    reasons: list[str] = Field(description="Why the health is what it is now.")

    model_config = example(
        _PROJECT,
        version=6,
        **{"from": "green"},
        to="red",
        source="derived",
        reasons=["Milestone 'Data migration signed off' was missed."],
    )
