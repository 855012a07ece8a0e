"""Load a customer of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.path_rows import path_row
from app.customers.service import get_customer
from app.models import Customer

CustomersReader = Annotated[Caller, requires(Scope.customers_read)]
CustomersWriter = Annotated[Caller, requires(Scope.customers_write)]

ReadableCustomer = Annotated[
    Customer, Depends(path_row(get_customer, "customer_id", CustomersReader))
]
CustomerToChange = Annotated[
    Customer, Depends(path_row(get_customer, "customer_id", CustomersWriter, if_match=True))
]
