"""The contract of actual costs booked on a project."""

from datetime import date, datetime
from uuid import UUID

from pydantic import Field

from app.core.examples import with_examples
from app.core.moments import CalendarDate
from app.core.pagination import Page
from app.core.schemas import InputModel, Name, OutputModel
from app.projects.schemas import Money, MoneyInput


class CostEntryCreate(InputModel):
    cost: MoneyInput = Field(description="In the project's budget currency.")
    incurred_on: CalendarDate = Field(
        description="The day the cost was incurred (not in the future)."
    )
    description: Name

    model_config = with_examples(
        {
            "cost": {"amount": "4800.00", "currency": "EUR"},
            "incurred_on": "2027-02-26",
            "description": "Consultant days, February",
        }
    )


class CostEntryPublic(OutputModel):
    id: UUID
    project_id: UUID
    cost: Money
    incurred_on: date
    description: str
    created_at: datetime


class CostEntryPage(Page[CostEntryPublic]):
    """A page of cost entries."""
