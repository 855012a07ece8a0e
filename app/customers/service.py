"""Customers: who bought, and where the CRM keeps them."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, NotFound
from app.core.filters import where_given
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_select
from app.core.writes import assign, flush_or
from app.customers.schemas import CustomerCreate, CustomerUpdate
from app.models import CrmSource, Customer


class CustomerNotFound(NotFound):
    subject = "customer"


class CustomerExists(Conflict):
    slug = "customer-exists"


class CustomerInUse(Conflict):
    slug = "customer-in-use"


async def get_customer(session: AsyncSession, caller: Caller, customer_id: UUID) -> Customer:
    return await get_owned(session, caller, Customer, customer_id, CustomerNotFound)


async def list_customers(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    crm_source: CrmSource | None = None,
    updated_since: datetime | None = None,
) -> Sequence[Customer]:
    statement = where_given(
        owned_select(Customer, caller),
        {Customer.crm_source: crm_source},
        at_least={Customer.updated_at: updated_since},
    )
    return (await session.exec(page.keyset(statement, Customer.id))).all()


async def create_customer(session: AsyncSession, caller: Caller, data: CustomerCreate) -> Customer:
    """One customer per CRM record: a second one with the same source and id is a 409."""
    customer = Customer(organization_id=caller.organization_id, **data.model_dump())
    session.add(customer)
    await flush_or(
        session,
        CustomerExists(
            f"A customer for {data.crm_source} record {data.crm_external_id} already exists."
        ),
    )
    return customer


async def update_customer(
    session: AsyncSession, customer: Customer, data: CustomerUpdate
) -> Customer:
    assign(customer, data.changes())
    await session.flush()
    return customer


async def delete_customer(session: AsyncSession, customer: Customer) -> None:
    """A customer with projects, archived ones too, stays: they must keep who they are for."""
    await session.delete(customer)
    await flush_or(
        session,
        CustomerInUse(
            "This customer has projects (archived ones included); it stays on record with them."
        ),
    )
