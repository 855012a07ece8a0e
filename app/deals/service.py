"""Deals: the one path from a won deal to its project, exactly once per deal.

Every intake — a CRM webhook, `POST /v1/deals`, `handover import-deals` — comes through
`take_deal`. The deal row is claimed by an insert that cannot race (`ON CONFLICT DO NOTHING` on
the organization, source and external id); only the request whose insert took plans the project,
in the same transaction. Everyone else reads the deal and at most updates it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import NotFound
from app.core.events import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.db import insert_or_ignore
from app.deals.planning import plan_project
from app.deals.schemas import CanonicalDeal, DealCustomer, DealPush, ProjectOutcome
from app.members.service import require_members
from app.models import CrmSource, Customer, Deal, Member, MemberRole
from app.models.base import new_id, utcnow
from app.project_templates.service import plan_of, require_template

# What a later push may change on a deal that already has its project.
UPDATABLE = ("name", "amount", "currency", "close_date", "stage", "requirements", "line_items")


class DealNotFound(NotFound):
    subject = "deal"


@dataclass(frozen=True)
class Origin:
    """Where a deal comes from, and how its project is planned if it is new."""

    source: CrmSource
    connection_id: UUID | None = None
    template_id: UUID | None = None
    project_manager_id: UUID | None = None
    raw_payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Intake:
    deal: Deal
    project: ProjectOutcome
    deal_updated: bool


async def get_deal(session: AsyncSession, caller: Caller, deal_id: UUID) -> Deal:
    return await get_owned(session, caller, Deal, deal_id, DealNotFound)


async def list_deals(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    source: CrmSource | None = None,
    updated_since: datetime | None = None,
) -> Sequence[Deal]:
    statement = select(Deal).where(Deal.organization_id == caller.organization_id)
    if source is not None:
        statement = statement.where(Deal.source == source)
    if updated_since is not None:
        statement = statement.where(Deal.updated_at >= updated_since)
    return (await session.exec(page.keyset(statement, Deal.id))).all()


async def find_deal(
    session: AsyncSession, organization_id: UUID, source: CrmSource, external_id: str
) -> Deal | None:
    found = await session.exec(
        select(Deal).where(
            Deal.organization_id == organization_id,
            Deal.source == source,
            Deal.external_id == external_id,
        )
    )
    return found.first()


def _row(**values: Any) -> dict[str, Any]:
    """Column values for a Core insert of a versioned, timestamped row."""
    now = utcnow()
    return {"id": new_id(), "version": 1, "created_at": now, "updated_at": now, **values}


async def _customer_for(
    session: AsyncSession, organization_id: UUID, source: CrmSource, customer: DealCustomer
) -> UUID:
    """The customer with this CRM id (added if new, never twice); without an id, the first
    customer of that name, or a new one."""
    if customer.external_id is not None:
        await session.exec(
            insert_or_ignore(session, Customer.__table__).values(  # type: ignore[attr-defined]
                **_row(
                    organization_id=organization_id,
                    name=customer.name,
                    website=customer.website,
                    crm_source=source.value,
                    crm_external_id=customer.external_id,
                )
            )
        )
        matched = select(Customer.id).where(
            Customer.organization_id == organization_id,
            Customer.crm_source == source,
            Customer.crm_external_id == customer.external_id,
        )
        return (await session.exec(matched)).one()
    by_name = await session.exec(
        select(Customer.id)
        .where(Customer.organization_id == organization_id, Customer.name == customer.name)
        .order_by(col(Customer.id))
    )
    found = by_name.first()
    if found is not None:
        return found
    added = Customer(organization_id=organization_id, name=customer.name, website=customer.website)
    session.add(added)
    await session.flush()
    return added.id


async def _sales_owner_for(
    session: AsyncSession, organization_id: UUID, email: str | None, name: str | None
) -> UUID | None:
    """The member with the owner's email (case-insensitive), added as `sales` if unknown."""
    if email is None:
        return None
    email = email.lower()
    await session.exec(
        insert_or_ignore(session, Member.__table__).values(  # type: ignore[attr-defined]
            **_row(
                organization_id=organization_id,
                name=name or email.split("@", 1)[0],
                email=email,
                role=MemberRole.sales.value,
                weekly_capacity_hours=40,
            )
        )
    )
    matched = select(Member.id).where(
        Member.organization_id == organization_id, Member.email == email
    )
    return (await session.exec(matched)).one()


def _deal_event_data(deal: Deal) -> dict[str, Any]:
    amount = None if deal.amount is None else {"amount": deal.amount, "currency": deal.currency}
    return {
        "source": deal.source,
        "external_id": deal.external_id,
        "connection_id": deal.connection_id,
        "name": deal.name,
        "customer_id": deal.customer_id,
        "amount": amount,
        "close_date": deal.close_date,
        "stage": deal.stage,
        "sales_owner_id": deal.sales_owner_id,
    }


async def update_deal(
    session: AsyncSession, deal: Deal, changes: dict[str, Any], raw_payload: dict[str, Any]
) -> bool:
    """A later push of a deal that has its project: the deal record follows the CRM (amount,
    close date…), with `deal.updated` naming what changed; the project is not planned again.
    Returns whether anything changed."""
    altered = {
        name: value
        for name, value in changes.items()
        if name in UPDATABLE and getattr(deal, name) != value
    }
    if not altered:
        return False
    for name, value in altered.items():
        setattr(deal, name, value)
    deal.raw_payload = raw_payload
    await session.flush()
    reported = {name: value for name, value in altered.items() if name not in ("currency",)}
    if "amount" in altered or "currency" in altered:
        reported["amount"] = _deal_event_data(deal)["amount"]
    await record_change(session, "deal.updated", deal, reported)
    return True


def changes_of(deal: CanonicalDeal) -> dict[str, Any]:
    """What the push says about the deal: fields it sent (absent ones are unknown, not null)."""
    sent = deal.model_dump(include=set(UPDATABLE), exclude_unset=True)
    if "line_items" in sent:
        sent["line_items"] = [item.model_dump(mode="json") for item in deal.line_items]
    return sent


async def take_deal(
    session: AsyncSession, caller: Caller, deal: CanonicalDeal, origin: Origin
) -> Intake:
    """A won deal: its project is planned once, by the one request whose insert of the deal
    took; any other push (a retry, a race, a later change) finds the deal and updates it."""
    organization_id = caller.organization_id
    known = await find_deal(session, organization_id, origin.source, deal.external_id)
    if known is None:
        customer_id = await _customer_for(session, organization_id, origin.source, deal.customer)
        owner_id = await _sales_owner_for(
            session, organization_id, deal.owner_email, deal.owner_name
        )
        values = _row(
            organization_id=organization_id,
            source=origin.source.value,
            external_id=deal.external_id,
            connection_id=origin.connection_id,
            name=deal.name,
            customer_id=customer_id,
            amount=deal.amount,
            currency=deal.currency,
            stage=deal.stage,
            close_date=deal.close_date,
            sales_owner_id=owner_id,
            requirements=deal.requirements,
            line_items=[item.model_dump(mode="json") for item in deal.line_items],
            raw_payload=origin.raw_payload,
            won_at=utcnow(),
        )
        claimed = await session.exec(insert_or_ignore(session, Deal.__table__).values(**values))  # type: ignore[attr-defined]
        if claimed.rowcount == 1:
            return Intake(
                await _plan(session, caller, values["id"], origin), ProjectOutcome.created, False
            )
        known = await find_deal(session, organization_id, origin.source, deal.external_id)
        assert known is not None  # the insert that won has committed: we waited for it
    updated = await update_deal(session, known, changes_of(deal), origin.raw_payload)
    return Intake(known, ProjectOutcome.existing, updated)


async def _plan(session: AsyncSession, caller: Caller, deal_id: UUID, origin: Origin) -> Deal:
    """Plan the project of the deal this request just claimed; record `deal.won`."""
    deal = await session.get(Deal, deal_id)
    assert deal is not None
    plan = await plan_of(session, origin.template_id)
    project = await plan_project(session, caller, deal, plan, origin.project_manager_id)
    # Part of the deal's creation (nobody has seen it without its project): no new version.
    await session.exec(update(Deal).where(col(Deal.id) == deal.id).values(project_id=project.id))
    await session.refresh(deal)
    await record_change(
        session,
        "deal.won",
        deal,
        {**_deal_event_data(deal), "won_at": deal.won_at},
    )
    return deal


async def push_deal(session: AsyncSession, caller: Caller, data: DealPush) -> Intake:
    """`POST /v1/deals`: the template and project manager named must be the organization's."""
    await require_template(session, caller, data.project_template_id, "project_template_id")
    await require_members(session, caller, {"project_manager_id": data.project_manager_id})
    canonical = CanonicalDeal.model_validate(
        data.model_dump(
            exclude={"source", "project_template_id", "project_manager_id"}, exclude_unset=True
        )
    )
    origin = Origin(
        source=data.source,
        template_id=data.project_template_id,
        project_manager_id=data.project_manager_id,
        raw_payload=data.model_dump(mode="json", exclude_unset=True),
    )
    return await take_deal(session, caller, canonical, origin)
