"""The projects contract."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from app.core.pagination import Page
from app.core.schemas import InputModel, LongText, Name, OutputModel, PatchModel, unchanged
from app.models import Health, Phase

CENT = Decimal("0.01")
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. `EUR`.")]


class Money(OutputModel):
    """An amount in a currency; the amount is a decimal string, never a float."""

    amount: Annotated[
        Decimal,
        Field(ge=0, max_digits=16, decimal_places=2),
        AfterValidator(lambda amount: amount.quantize(CENT)),
    ]
    currency: Currency


class MoneyInput(InputModel, Money):
    pass


def _dates_in_order(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("target_end_date must not be before start_date")


class ProjectCreate(InputModel):
    name: Name
    description: LongText | None = None
    customer_id: UUID
    sales_owner_id: UUID | None = Field(None, description="A member: who sold it.")
    project_manager_id: UUID | None = Field(None, description="A member: who delivers it.")
    start_date: date | None = None
    target_end_date: date | None = None
    budget: MoneyInput | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Globex CRM rollout",
                    "customer_id": "019ab0c4-7f3e-7cc1-9a43-5c1e0f1d2a3b",
                    "start_date": "2026-12-01",
                    "target_end_date": "2027-03-31",
                    "budget": {"amount": "120000.00", "currency": "EUR"},
                }
            ]
        }
    )

    @model_validator(mode="after")
    def _check_dates(self) -> Self:
        _dates_in_order(self.start_date, self.target_end_date)
        return self


class ProjectUpdate(PatchModel):
    name: Name = unchanged()
    description: LongText | None = None
    customer_id: UUID = unchanged()
    sales_owner_id: UUID | None = None
    project_manager_id: UUID | None = None
    start_date: date | None = None
    target_end_date: date | None = None
    budget: MoneyInput | None = None


class ProjectPublic(OutputModel):
    id: UUID
    name: str
    description: str | None
    customer_id: UUID
    sales_owner_id: UUID | None
    project_manager_id: UUID | None
    phase: Phase = Field(description="Moved only by transitions.")
    health: Health
    start_date: date | None
    target_end_date: date | None
    budget: Money | None
    archived_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectPage(Page[ProjectPublic]):
    """A page of projects."""
