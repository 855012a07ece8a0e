"""A project: what was sold, being delivered."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Index, Text
from sqlmodel import Field

from app.models.base import (
    Identified,
    Money,
    Synced,
    Timestamped,
    Versioned,
    enum_field,
    timestamp_field,
    utcnow,
)


class Phase(StrEnum):
    initiating = "initiating"
    planning = "planning"
    executing = "executing"
    monitoring = "monitoring"
    closing = "closing"
    closed = "closed"


class Health(StrEnum):
    green = "green"
    amber = "amber"
    red = "red"


class Project(Identified, Timestamped, Versioned, Synced, table=True):
    __tablename__ = "projects"
    # The change list's pages, whatever the organization's size and `updated_since`: its
    # projects in id order (a page of everything changed since long ago) and by the time they
    # changed (the few changed since the last poll, sorted). With an index on the organization
    # alone, a small organization's page scanned the other organizations' projects, or a large
    # one's poll for recent changes scanned all of its own (bench/README.md).
    __table_args__ = (
        Index(None, "organization_id", "id"),
        Index(None, "organization_id", "updated_at"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    customer_id: UUID = Field(foreign_key="customers.id", ondelete="RESTRICT", index=True)
    sales_owner_id: UUID | None = Field(
        default=None, foreign_key="members.id", ondelete="RESTRICT", index=True
    )
    project_manager_id: UUID | None = Field(
        default=None, foreign_key="members.id", ondelete="RESTRICT", index=True
    )
    phase: Phase = enum_field(Phase, default=Phase.initiating)
    health: Health = enum_field(Health, default=Health.green)
    start_date: date | None = None
    target_end_date: date | None = None
    budget_amount: Decimal | None = Field(default=None, sa_type=Money)
    budget_currency: str | None = Field(default=None, max_length=3)
    archived_at: datetime | None = timestamp_field(default=None)
    customer_acceptance_date: date | None = None
    health_override: Health | None = enum_field(Health, default=None, nullable=True)
    health_override_reason: str | None = Field(default=None, max_length=2000)
    # The plan as it stood when planning ended: approved changes move the budget and the
    # milestones, never these, so change-driven and delivery-driven slip stay apart.
    baseline_set_at: datetime | None = timestamp_field(default=None)
    baseline_budget_amount: Decimal | None = Field(default=None, sa_type=Money)
    baseline_budget_currency: str | None = Field(default=None, max_length=3)
    # From the CRM deal: planned before the CRM could complete it; its amount there now (the
    # budget stays delivery's); lost after it was won; an owner no member matches by email.
    crm_incomplete: bool = False
    deal_amount: Decimal | None = Field(default=None, sa_type=Money)
    deal_currency: str | None = Field(default=None, max_length=3)
    deal_lost_at: datetime | None = timestamp_field(default=None)
    unmatched_sales_owner_email: str | None = Field(default=None, max_length=320)

    @property
    def budget(self) -> dict[str, object] | None:
        if self.budget_amount is None:
            return None
        return {"amount": self.budget_amount, "currency": self.budget_currency}

    @property
    def deal_value(self) -> dict[str, object] | None:
        if self.deal_amount is None:
            return None
        return {"amount": self.deal_amount, "currency": self.deal_currency}


class ProjectTransition(Identified, table=True):
    """Who moved a project from one phase to the next, and when."""

    __tablename__ = "project_transitions"

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE")
    project_id: UUID = Field(foreign_key="projects.id", ondelete="CASCADE", index=True)
    from_phase: Phase = enum_field(Phase)
    to_phase: Phase = enum_field(Phase)
    moved_at: datetime = timestamp_field(default_factory=utcnow)
    moved_by_api_key_id: UUID | None = Field(default=None, foreign_key="api_keys.id")
    note: str | None = Field(default=None, max_length=2000)
