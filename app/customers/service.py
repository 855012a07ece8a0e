"""Customers: who bought, and where the CRM keeps them."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, NotFound
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.customers.schemas import CustomerCreate, CustomerUpdate
from app.models import CrmSource, Customer


class CustomerNotFound(NotFound):
    subject = "customer"


class CustomerExists(Conflict):
    slug = "customer-exists"
    title = "Customer Exists"


class CustomerInUse(Conflict):
    slug = "customer-in-use"
    title = "Customer In Use"


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
    statement = select(Customer).where(Customer.organization_id == caller.organization_id)
    if crm_source is not None:
        statement = statement.where(Customer.crm_source == crm_source)
    if updated_since is not None:
        statement = statement.where(Customer.updated_at >= updated_since)
    return (await session.exec(page.keyset(statement, Customer.id))).all()


async def create_customer(session: AsyncSession, caller: Caller, data: CustomerCreate) -> Customer:
    """One customer per CRM record: a second one with the same source and id is a 409."""
    customer = Customer(organization_id=caller.organization_id, **data.model_dump())
    session.add(customer)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise CustomerExists(
            f"A customer for {data.crm_source} record {data.crm_external_id} already exists."
        ) from exc
    return customer


async def update_customer(
    session: AsyncSession, customer: Customer, data: CustomerUpdate
) -> Customer:
    for field, value in data.changes().items():
        setattr(customer, field, value)
    await session.flush()
    return customer


async def delete_customer(session: AsyncSession, customer: Customer) -> None:
    """A customer with projects, archived ones too, stays: they must keep who they are for."""
    await session.delete(customer)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise CustomerInUse(
            "This customer has projects (archived ones included); it stays on record with them."
        ) from exc
