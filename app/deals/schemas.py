"""The canonical deal: what any CRM, script or CSV sends to turn a won deal into a project."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AfterValidator, EmailStr, Field, model_validator

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.schemas import InputModel, LongText, Name, OutputModel, ShortText, Url
from app.core.sync import SyncPage
from app.models import CrmSource
from app.projects.schemas import CENT, Currency

ExternalId = Annotated[
    ShortText, Field(min_length=1, description="The record's id in the CRM (unique per source).")
]
Amount = Annotated[
    Decimal,
    Field(ge=0, max_digits=16, decimal_places=2, description="A decimal string, never a float."),
    AfterValidator(lambda amount: amount.quantize(CENT)),
]
MAX_LINE_ITEMS = 200


class DealCustomer(InputModel):
    """The buyer. Matched to a customer by its CRM id (or by name when it has none)."""

    external_id: ExternalId | None = None
    name: Name
    website: Url | None = None


class LineItem(InputModel):
    name: Name
    quantity: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=4)] = Decimal(1)
    unit_price: Amount | None = None
    sku: ShortText | None = None


class CanonicalDeal(InputModel):
    """A deal as Handover understands it, whichever CRM it comes from."""

    external_id: ExternalId
    name: Name
    customer: DealCustomer
    amount: Amount | None = None
    currency: Currency | None = None
    close_date: CalendarDate | None = None
    stage: ShortText | None = Field(
        None,
        description="The CRM's stage. On a generic connection with `won_stages`, only those "
        "stages count as won; elsewhere a pushed deal is won.",
    )
    owner_email: EmailStr | None = Field(
        None, description="The sales owner: matched to a member by email, or added as one."
    )
    owner_name: Name | None = Field(None, description="The owner's name, if a member is added.")
    requirements: LongText | None = Field(
        None, description="What was sold, in words: carried over as the project's description."
    )
    line_items: Annotated[list[LineItem], Field(max_length=MAX_LINE_ITEMS)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _amount_has_a_currency(self) -> Self:
        if (self.amount is None) != (self.currency is None):
            raise ValueError("amount and currency go together")
        return self


DEAL_EXAMPLE: dict[str, Any] = {
    "external_id": "D-10042",
    "name": "Globex CRM rollout",
    "customer": {"external_id": "C-77", "name": "Globex", "website": "https://globex.example"},
    "amount": "120000.00",
    "currency": "EUR",
    "close_date": "2026-11-20",
    "stage": "closedwon",
    "owner_email": "sam.seller@example.com",
    "owner_name": "Sam Seller",
    "requirements": "CRM rollout for 300 users, SSO, data migration from the legacy system.",
    "line_items": [{"name": "Implementation", "quantity": "1", "unit_price": "120000.00"}],
}


class DealPush(CanonicalDeal):
    """`POST /v1/deals`: a won deal, and how its project is planned."""

    source: CrmSource = Field(
        CrmSource.generic,
        description="The CRM the deal lives in: pushing it again from a connection of that CRM "
        "finds the same deal (an import first, webhooks afterwards).",
    )
    project_template_id: UUID | None = Field(
        None, description="The template to plan with; the built-in default when absent."
    )
    project_manager_id: UUID | None = Field(None, description="A member: who delivers it.")

    model_config = with_examples(DEAL_EXAMPLE)


class ProjectOutcome(StrEnum):
    created = "created"
    existing = "existing"


class DealPublic(OutputModel):
    id: UUID
    source: CrmSource
    external_id: str
    connection_id: UUID | None
    name: str
    customer_id: UUID
    amount: Decimal | None
    currency: str | None
    stage: str | None
    close_date: date | None
    sales_owner_id: UUID | None
    requirements: str | None
    line_items: list[dict[str, Any]]
    project_id: UUID | None = Field(description="The project it became.")
    won_at: datetime
    version: int
    created_at: datetime
    updated_at: datetime


class DealIntake(OutputModel):
    """What became of a pushed deal."""

    project: ProjectOutcome = Field(
        description="`created`: this push planned the project; `existing`: the deal already "
        "had one (nothing new was planned)."
    )
    deal_updated: bool = Field(description="An existing deal's amount, close date… changed.")
    project_id: UUID | None = Field(description="The deal's project.")
    deal: DealPublic


class DealPage(SyncPage[DealPublic]):
    """A page of deals."""
