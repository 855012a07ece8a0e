"""Load a customer of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.customers import service
from app.models import Customer

CustomersReader = Annotated[Caller, requires(Scope.customers_read)]
CustomersWriter = Annotated[Caller, requires(Scope.customers_write)]


async def _readable_customer(
    session: SessionDep, caller: CustomersReader, customer_id: UUID
) -> Customer:
    return await service.get_customer(session, caller, customer_id)


async def _writable_customer(
    session: SessionDep, caller: CustomersWriter, customer_id: UUID
) -> Customer:
    return await service.get_customer(session, caller, customer_id)


ReadableCustomer = Annotated[Customer, Depends(_readable_customer)]
WritableCustomer = Annotated[Customer, Depends(_writable_customer)]
