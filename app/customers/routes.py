"""`/v1/customers`: the buyers projects are delivered to."""

from typing import Annotated

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.moments import UpdatedSince
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.customers import service
from app.customers.deps import CustomersReader, CustomersWriter, CustomerToChange, ReadableCustomer
from app.customers.schemas import CustomerCreate, CustomerPage, CustomerPublic, CustomerUpdate
from app.models import CrmSource

SyncPages = Annotated[SyncPageParams, sync_pages("customers", deletions=True)]

router = api_router("customers", prefix="/v1/customers")


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
async def create_customer(
    session: SessionDep,
    caller: CustomersWriter,
    _: IdempotencyDep,
    body: CustomerCreate,
) -> CustomerPublic:
    """Add a customer."""
    customer = await service.create_customer(session, caller, body)
    return CustomerPublic.model_validate(customer)


@router.get("")
async def list_customers(
    session: SessionDep,
    caller: CustomersReader,
    page: SyncPages,
    crm_source: CrmSource | None = None,
    updated_since: UpdatedSince = None,
) -> CustomerPage:
    """List the organization's customers, oldest first."""
    rows = await service.list_customers(
        session, caller, page, crm_source=crm_source, updated_since=updated_since
    )
    return page.page(rows, CustomerPage)


@router.get("/{customer_id}", responses=NOT_MODIFIED)
async def get_customer(customer: ReadableCustomer) -> CustomerPublic:
    """Read one customer."""
    return CustomerPublic.model_validate(customer)


@router.patch("/{customer_id}", responses=problem_responses(409))
async def update_customer(
    session: SessionDep,
    customer: CustomerToChange,
    body: CustomerUpdate,
) -> CustomerPublic:
    """Change a customer (JSON merge patch)."""
    customer = await service.update_customer(session, customer, body)
    return CustomerPublic.model_validate(customer)


@router.delete(
    "/{customer_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(409)
)
async def delete_customer(session: SessionDep, customer: CustomerToChange) -> None:
    """Remove a customer that has no projects."""
    await service.delete_customer(session, customer)
