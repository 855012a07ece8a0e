"""The buyer, as the CRM knows it."""

from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from app.models.base import Identified, Synced, Timestamped, Versioned, enum_field, json_list


class CrmSource(StrEnum):
    hubspot = "hubspot"
    salesforce = "salesforce"
    pipedrive = "pipedrive"
    generic = "generic"


class Customer(Identified, Timestamped, Versioned, Synced, table=True):
    __tablename__ = "customers"
    # One customer per CRM record; customers entered by hand have no source and never collide.
    __table_args__ = (UniqueConstraint("organization_id", "crm_source", "crm_external_id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    website: str | None = Field(default=None, max_length=2048)
    crm_source: CrmSource | None = enum_field(CrmSource, default=None, nullable=True)
    crm_external_id: str | None = Field(default=None, max_length=200)
    # The people of the customer the CRM knows (name, email, title, their CRM id).
    contacts: list[dict[str, Any]] = json_list()
