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

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_select
from app.core.writes import assign, locked, new_values
from app.db import insert_or_ignore, upsert
from app.deals.planning import plan_project, project_description
from app.deals.schemas import CanonicalDeal, DealCustomer, DealPush, ProjectOutcome
from app.handoffs import service as handoffs
from app.members.service import require_members
from app.models import CrmSource, Customer, Deal, DealCrmVersion, Member, Project
from app.models.base import new_id, utcnow
from app.project_templates.service import plan_of, require_template
from app.projects.holds import hold_project

# What a later push may change on a deal that already has its project.
UPDATABLE = (
    "name",
    "amount",
    "currency",
    "close_date",
    "stage",
    "requirements",
    "line_items",
    "customer_id",
    "sales_owner_id",
)
# The project's fields that follow the CRM while the delivery team has not changed them.
FOLLOWING = ("name", "description", "customer_id", "sales_owner_id")
MAX_CONTACTS = 200


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
    # The CRM could not be asked (yet): the project is flagged until a later pass completes it.
    incomplete: bool = False
    contacts: list[dict[str, Any]] = field(default_factory=list)
    # When the CRM last modified this version of the deal; None: unknown, applied as it comes.
    modified_at: datetime | None = None


@dataclass(frozen=True)
class Intake:
    deal: Deal
    project: ProjectOutcome
    deal_updated: bool
    # The deal already holds a version the CRM modified at this later time: this one changed
    # nothing.
    newer_kept: datetime | None = None


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
    statement = where_given(
        owned_select(Deal, caller), {Deal.source: source}, at_least={Deal.updated_at: updated_since}
    )
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


async def claim_crm_version(
    session: AsyncSession, deal: Deal, modified_at: datetime | None
) -> datetime | None:
    """Whether this version of the deal, which the CRM modified at `modified_at`, may be
    applied: None if so, else when the CRM modified the later version the deal holds. CRMs
    deliver changes out of order (and retry them), two workers may take two changes of a deal
    at once, a sync may read a deal before a push's change and write it after; the later
    version must stay.

    The deal is locked (after its project: app/projects/holds.py) and read again before the
    comparison, so of two workers the second waits for the first and compares with what it
    kept. A version applied leaves its time beside the deal (`DealCrmVersion`: a CRM stamps a
    deal again with nothing new for us, as after a write-back, and PM tools must not be shown
    a change). Without a time (a generic push, HubSpot's events without its API) nothing is
    compared: the version is applied as it comes."""
    if modified_at is None:
        return None
    if deal.project_id is not None:
        await hold_project(session, deal.project_id)
    kept_version = (
        select(DealCrmVersion.modified_at)
        .where(col(DealCrmVersion.deal_id) == col(Deal.id))
        .scalar_subquery()
    )
    again = await session.exec(locked(select(Deal, kept_version).where(col(Deal.id) == deal.id)))
    kept: datetime | None
    _, kept = again.one()  # `deal` read again, locked, with the version it holds
    if kept is not None and modified_at < kept:
        return kept
    if kept != modified_at:
        await _keep_crm_version(session, deal.id, modified_at)
    return None


async def _keep_crm_version(session: AsyncSession, deal_id: UUID, modified_at: datetime) -> None:
    table = DealCrmVersion.__table__  # type: ignore[attr-defined]
    statement = upsert(session, table, {"deal_id": deal_id, "modified_at": modified_at})
    await session.exec(
        statement.on_conflict_do_update(
            index_elements=[table.c.deal_id], set_={"modified_at": statement.excluded.modified_at}
        )
    )


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
    session: AsyncSession, organization_id: UUID, email: str | None
) -> UUID | None:
    """The member with the owner's email (case-insensitive). An unknown email matches nobody:
    it is reported on the project, never invented as a member (who would it be?)."""
    if email is None:
        return None
    matched = select(Member.id).where(
        Member.organization_id == organization_id, func.lower(Member.email) == email.lower()
    )
    return (await session.exec(matched)).first()


def _contact_key(contact: dict[str, Any]) -> str:
    return str(contact.get("crm_id") or contact.get("email") or contact.get("name")).lower()


async def _keep_contacts(
    session: AsyncSession, customer_id: UUID, contacts: list[dict[str, Any]]
) -> None:
    """The deal's contacts join the customer's (matched by CRM id, else email), newest wins."""
    if not contacts:
        return
    customer = await session.get(Customer, customer_id)
    assert customer is not None
    merged = {_contact_key(kept): kept for kept in customer.contacts}
    merged.update({_contact_key(contact): contact for contact in contacts})
    listed = list(merged.values())[-MAX_CONTACTS:]
    if listed != customer.contacts:
        customer.contacts = listed
        await session.flush()


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
    altered = new_values(deal, {name: changes[name] for name in changes if name in UPDATABLE})
    currency = changes.get("currency", deal.currency)  # an amount alone keeps the currency
    if altered.get("amount") is not None and currency is None:
        altered.pop("amount")  # never an amount without its currency
        altered.pop("currency", None)
    if not altered:
        return False
    assign(deal, altered)
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
    took; any other push (a retry, a race, a later change) finds the deal and updates it, and
    the project follows where the delivery team has not taken over."""
    organization_id = caller.organization_id
    known = await find_deal(session, organization_id, origin.source, deal.external_id)
    if known is not None:
        newer_kept = await claim_crm_version(session, known, origin.modified_at)
        if newer_kept is not None:
            return Intake(known, ProjectOutcome.existing, False, newer_kept)
    customer_id = await _customer_for(session, organization_id, origin.source, deal.customer)
    await _keep_contacts(session, customer_id, origin.contacts)
    owner_id = await _sales_owner_for(session, organization_id, deal.owner_email)
    if known is None:
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
            if origin.modified_at is not None:
                await _keep_crm_version(session, values["id"], origin.modified_at)
            planned = await _plan(session, caller, values["id"], origin, deal.owner_email)
            return Intake(planned, ProjectOutcome.created, False)
        known = await find_deal(session, organization_id, origin.source, deal.external_id)
        assert known is not None  # the insert that won has committed: we waited for it
        newer_kept = await claim_crm_version(session, known, origin.modified_at)
        if newer_kept is not None:
            return Intake(known, ProjectOutcome.existing, False, newer_kept)
    if known.connection_id is None and origin.connection_id is not None:
        known.connection_id = origin.connection_id  # its write-backs go through this connection
        await session.flush()
    changes = {**changes_of(deal), "customer_id": customer_id}
    if "owner_email" in deal.model_fields_set:
        changes["sales_owner_id"] = owner_id
    updated = await update_deal(session, known, changes, origin.raw_payload)
    if known.lost_at is not None:
        await mark_lost(session, known, lost=False)
    await _follow(session, known, deal, customer_id, owner_id, origin)
    return Intake(known, ProjectOutcome.existing, updated)


def _handed_over(project: Project) -> dict[str, Any]:
    return {name: _json(getattr(project, name)) for name in FOLLOWING}


def _json(value: Any) -> Any:
    return None if value is None else str(value)


async def _follow(
    session: AsyncSession,
    deal: Deal,
    pushed: CanonicalDeal,
    customer_id: UUID,
    owner_id: UUID | None,
    origin: Origin,
) -> None:
    """The project of a known deal follows the CRM: its name, description, customer and sales
    owner where it still holds what the CRM gave last time (the delivery team has not changed
    them), the deal's amount beside the budget, and the incomplete flag once complete."""
    if deal.project_id is None:
        return
    project = await session.get(Project, deal.project_id)
    if project is None or project.archived_at is not None:
        return
    wanted: dict[str, Any] = {
        "name": pushed.name,
        "description": project_description(pushed.requirements, deal.line_items),
        "customer_id": customer_id,
        "sales_owner_id": owner_id,
    }
    given = deal.handed_over or _handed_over(project)
    changed = {
        name: value
        for name, value in wanted.items()
        if _json(getattr(project, name)) == given.get(name) and getattr(project, name) != value
    }
    owner_after = changed.get("sales_owner_id", project.sales_owner_id)
    extra = {
        "deal_amount": deal.amount,
        "deal_currency": deal.currency,
        "crm_incomplete": project.crm_incomplete and origin.incomplete,
        "unmatched_sales_owner_email": pushed.owner_email if owner_after is None else None,
    }
    extra = new_values(project, extra)
    if not changed and not extra:
        return
    assign(project, {**changed, **extra})
    await session.flush()
    # bookkeeping, not a change of the deal: no new version
    handed_over = {**given, **{name: _json(value) for name, value in changed.items()}}
    await session.exec(update(Deal).where(col(Deal.id) == deal.id).values(handed_over=handed_over))
    reported = {**changed, **{name: getattr(project, name) for name in extra}}
    if "deal_amount" in reported or "deal_currency" in reported:
        reported.pop("deal_amount", None)
        reported.pop("deal_currency", None)
        reported["deal_value"] = project.deal_value
    await record_change(session, "project.updated", project, reported)


async def mark_lost(session: AsyncSession, deal: Deal, *, lost: bool = True) -> bool:
    """A won deal moved back to lost in the CRM: `deal.lost` and a flag on the project, which
    stays as it is (closing it is the delivery team's call). Won again: the flag goes."""
    if (deal.lost_at is not None) == lost:
        return False
    deal.lost_at = utcnow() if lost else None
    await session.flush()
    if lost:
        await record_change(session, "deal.lost", deal, {"lost_at": deal.lost_at})
    else:
        await record_change(session, "deal.updated", deal, {"stage": deal.stage})
    if deal.project_id is not None:
        project = await session.get(Project, deal.project_id)
        if project is not None and project.archived_at is None:
            project.deal_lost_at = deal.lost_at
            await session.flush()
            await record_change(
                session, "project.updated", project, {"deal_lost_at": project.deal_lost_at}
            )
    return True


async def _plan(
    session: AsyncSession,
    caller: Caller,
    deal_id: UUID,
    origin: Origin,
    owner_email: str | None,
) -> Deal:
    """Plan the project of the deal this request just claimed, with its handoff brief
    pre-filled from the deal; record `deal.won`."""
    deal = await session.get(Deal, deal_id)
    assert deal is not None
    plan = await plan_of(session, origin.template_id)
    project = await plan_project(
        session,
        caller,
        deal,
        plan,
        origin.project_manager_id,
        crm_incomplete=origin.incomplete,
        unmatched_owner_email=owner_email if deal.sales_owner_id is None else None,
    )
    await handoffs.start_brief(
        session,
        project,
        deal,
        plan.handoff,
        template_id=origin.template_id,
        sold=project.description,
        contacts=origin.contacts,
    )
    # Part of the deal's creation (nobody has seen it without its project): no new version.
    await session.exec(
        update(Deal)
        .where(col(Deal.id) == deal.id)
        .values(project_id=project.id, handed_over=_handed_over(project))
    )
    await session.refresh(deal)
    await record_change(
        session,
        "deal.won",
        deal,
        {**_deal_event_data(deal), "won_at": deal.won_at},
    )
    return deal


async def push_deal(
    session: AsyncSession, caller: Caller, data: DealPush, connection_id: UUID | None = None
) -> Intake:
    """`POST /v1/deals`: the template and project manager named must be the organization's.
    `connection_id`: the CRM connection the deal came through (`import-deals --connection`),
    so that its project's state is written back there."""
    await require_template(session, caller, data.project_template_id, "project_template_id")
    await require_members(session, caller, {"project_manager_id": data.project_manager_id})
    canonical = CanonicalDeal.model_validate(
        data.model_dump(
            exclude={"source", "project_template_id", "project_manager_id"}, exclude_unset=True
        )
    )
    origin = Origin(
        source=data.source,
        connection_id=connection_id,
        template_id=data.project_template_id,
        project_manager_id=data.project_manager_id,
        raw_payload=data.model_dump(mode="json", exclude_unset=True),
    )
    return await take_deal(session, caller, canonical, origin)
