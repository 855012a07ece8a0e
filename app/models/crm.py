"""CRM intake: connections to CRMs, the deals they pushed, what they sent, project templates."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import (
    Identified,
    Money,
    Synced,
    Timestamped,
    Versioned,
    enum_field,
    json_list,
    json_object,
    timestamp_field,
    utcnow,
)
from app.models.crm_writeback import WritebackScope
from app.models.customer import CrmSource


class ProjectTemplate(Identified, Timestamped, Versioned, Synced, table=True):
    """How a project from a won deal is planned: milestones (due in business days from the
    start) and RACI activities whose letters go to the deal's people by role."""

    __tablename__ = "project_templates"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    kickoff_within_business_days: int = Field(default=5)
    milestones: list[dict[str, Any]] = json_list()
    activities: list[dict[str, Any]] = json_list()
    # The handoff brief's checklist: whether projects wait for its acceptance, required items.
    handoff: dict[str, Any] = json_object()


class CrmConnection(Identified, Timestamped, Versioned, Synced, table=True):
    """One CRM (or script) that pushes deals, with what it proves itself with."""

    __tablename__ = "crm_connections"

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    provider: CrmSource = enum_field(CrmSource)
    name: str = Field(max_length=200)
    enabled: bool = True
    won_stages: list[str] = json_list()
    project_template_id: UUID | None = Field(
        default=None, foreign_key="project_templates.id", ondelete="RESTRICT", index=True
    )
    default_project_manager_id: UUID = Field(
        foreign_key="members.id", ondelete="RESTRICT", index=True
    )
    secret_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    previous_secret_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    previous_secret_expires_at: datetime | None = timestamp_field(default=None)
    basic_auth_username: str | None = Field(default=None, max_length=200)
    salesforce_organization_id: str | None = Field(default=None, max_length=18)
    # What we call the CRM's API with (optional): the token encrypted like the secrets, where.
    api_token_encrypted: bytes | None = Field(default=None, sa_type=LargeBinary)
    api_base_url: str | None = Field(default=None, max_length=2048)
    company_domain: str | None = Field(default=None, max_length=100)
    # Reconciliation: the last change taken (the CRM's clock), when the next sync is due.
    sync_cursor: datetime | None = timestamp_field(default=None)
    next_sync_at: datetime | None = timestamp_field(default=None)
    last_synced_at: datetime | None = timestamp_field(default=None)
    last_sync_error: str | None = Field(default=None, max_length=2000)
    # Write-back (app/crm/writeback): off until turned on; what is written, into which fields.
    writeback_enabled: bool = False
    writeback_scope: WritebackScope = enum_field(WritebackScope, default=WritebackScope.both)
    writeback_field_map: dict[str, str] | None = Field(default=None, sa_type=JSON)
    writeback_project_url: str | None = Field(default=None, max_length=2048)


class CrmApiPause(SQLModel, table=True):
    """Until when nobody may call a connection's CRM API: the CRM said its budget is spent (a
    429, a rate-limit header at 0, Salesforce's daily allowance used up) to one process, and
    every worker and replica reads it here before calling (app/crm/pauses.py).

    The workers' own bookkeeping, like a lease: keeping it moves neither the connection's
    version nor anything a PM tool polls."""

    __tablename__ = "crm_api_pauses"

    connection_id: UUID = Field(
        foreign_key="crm_connections.id", ondelete="CASCADE", primary_key=True
    )
    resume_at: datetime = timestamp_field()


class Deal(Identified, Timestamped, Versioned, Synced, table=True):
    """A won deal as the CRM pushed it: one per (organization, source, external id), so one
    project per deal whatever the retries and races."""

    __tablename__ = "deals"
    __table_args__ = (UniqueConstraint("organization_id", "source", "external_id"),)

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    source: CrmSource = enum_field(CrmSource)
    external_id: str = Field(max_length=200)
    connection_id: UUID | None = Field(
        default=None, foreign_key="crm_connections.id", ondelete="SET NULL", index=True
    )
    name: str = Field(max_length=200)
    customer_id: UUID = Field(foreign_key="customers.id", ondelete="RESTRICT", index=True)
    amount: Decimal | None = Field(default=None, sa_type=Money)
    currency: str | None = Field(default=None, max_length=3)
    stage: str | None = Field(default=None, max_length=200)
    close_date: date | None = None
    sales_owner_id: UUID | None = Field(
        default=None, foreign_key="members.id", ondelete="RESTRICT", index=True
    )
    requirements: str | None = Field(default=None, sa_type=Text)
    line_items: list[dict[str, Any]] = json_list()
    raw_payload: dict[str, Any] = json_object()
    project_id: UUID | None = Field(
        default=None, foreign_key="projects.id", ondelete="SET NULL", index=True
    )
    won_at: datetime = timestamp_field(default_factory=utcnow)
    lost_at: datetime | None = timestamp_field(default=None)
    # The project's name, customer and sales owner as the CRM last gave them: a field the
    # delivery team has not changed since (the project still holds it) follows the CRM.
    handed_over: dict[str, Any] = json_object()


class DealCrmVersion(SQLModel, table=True):
    """When the CRM last modified the version of a deal that was applied (the CRM's clock): an
    older version arriving later changes nothing. No row: the CRM never said (a generic push,
    HubSpot's events without its API), and the next version is applied whatever its time.

    The intake's bookkeeping, beside the deal rather than in it: a CRM stamps a deal again
    without changing anything we keep (another field, a write-back of ours), and keeping the
    new time moves neither the deal's version nor its place in what PM tools sync."""

    __tablename__ = "deal_crm_versions"

    deal_id: UUID = Field(foreign_key="deals.id", ondelete="CASCADE", primary_key=True)
    modified_at: datetime = timestamp_field()


class InboundOutcome(StrEnum):
    """What became of a request a CRM sent (or a sync found): `received`, then `planned`,
    `ignored` or `failed`."""

    rejected = "rejected"  # bad or stale signature, unknown connection: 401
    malformed = "malformed"  # verified, but not a body we understand
    duplicate = "duplicate"  # a delivery already handled: acknowledged, nothing done
    received = "received"  # verified and kept: the worker plans its deals
    ignored = "ignored"  # no won deal in it (and no known deal changed)
    planned = "planned"  # deals planned, found existing or updated (see `detail`)
    failed = "failed"  # planning failed for good (see `detail`)


class InboundKind(StrEnum):
    push = "push"  # the CRM sent it
    sync = "sync"  # a reconciliation found these deals (the body lists their ids)


class CrmInboundRequest(Identified, table=True):
    """What a CRM sent (headers without credentials), kept for support for
    `HANDOVER_CRM_INBOUND_RETENTION_DAYS`: whole once verified; a refused request only as its
    metadata, a prefix of its body, and the body's size and SHA-256."""

    __tablename__ = "crm_inbound_requests"
    __table_args__ = (
        Index(None, "connection_id", "id"),
        Index(None, "outcome", "next_attempt_at"),
    )

    organization_id: UUID = Field(foreign_key="organizations.id", ondelete="CASCADE", index=True)
    connection_id: UUID = Field(foreign_key="crm_connections.id", ondelete="CASCADE")
    received_at: datetime = timestamp_field(default_factory=utcnow, index=True)
    delivery_key: str | None = Field(default=None, max_length=200)
    headers: dict[str, str] = json_object()
    body: bytes = Field(sa_type=LargeBinary)
    body_bytes: int  # the body's size as received (`body` is a prefix when it is larger)
    body_sha256: str | None = Field(default=None, max_length=64)
    outcome: InboundOutcome = enum_field(InboundOutcome)
    detail: str | None = Field(default=None, max_length=2000)
    deal_ids: list[str] = json_list()
    project_ids: list[str] = json_list()
    kind: InboundKind = enum_field(InboundKind, default=InboundKind.push)
    # The worker's bookkeeping while the request is `received`.
    attempts: int = 0
    next_attempt_at: datetime | None = timestamp_field(default=None)
    lease_until: datetime | None = timestamp_field(default=None)
    planned_at: datetime | None = timestamp_field(default=None)


class CrmDeliveryClaim(SQLModel, table=True):
    """A CRM delivery handled once: its key (the provider's event or message id) is claimed by
    an insert that cannot race, in the transaction that handles it."""

    __tablename__ = "crm_delivery_claims"

    connection_id: UUID = Field(
        foreign_key="crm_connections.id", ondelete="CASCADE", primary_key=True
    )
    delivery_key: str = Field(max_length=200, primary_key=True)
    claimed_at: datetime = timestamp_field(default_factory=utcnow, index=True)
