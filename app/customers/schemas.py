"""The customers contract."""

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import Field, model_validator

from app.core.examples import with_examples
from app.core.schemas import InputModel, Name, OutputModel, PatchModel, ShortText, Url, unchanged
from app.core.sync import SyncPage
from app.models import CrmSource

ExternalId = Annotated[ShortText, Field(min_length=1, description="The record's id in the CRM.")]


class CustomerCreate(InputModel):
    name: Name
    website: Url | None = None
    crm_source: CrmSource | None = Field(None, description="The CRM this customer comes from.")
    crm_external_id: ExternalId | None = None

    model_config = with_examples(
        {
            "name": "Globex Corporation",
            "website": "https://globex.example",
            "crm_source": "hubspot",
            "crm_external_id": "9876543210",
        }
    )

    @model_validator(mode="after")
    def _source_and_id_together(self) -> Self:
        if (self.crm_source is None) != (self.crm_external_id is None):
            raise ValueError("crm_source and crm_external_id go together")
        return self


class CustomerUpdate(PatchModel):
    model_config = with_examples({"website": "https://globex.example"})

    name: Name = unchanged()
    website: Url | None = None


class CustomerContact(OutputModel):
    name: str
    email: str | None
    title: str | None
    crm_id: str | None = Field(description="The contact's id in the CRM.")


class CustomerPublic(OutputModel):
    id: UUID
    name: str
    website: str | None
    crm_source: CrmSource | None
    crm_external_id: str | None
    contacts: list[CustomerContact] = Field(
        description="The customer's people as its CRM knows them (from the deals' contacts)."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class CustomerPage(SyncPage[CustomerPublic]):
    """A page of customers."""
