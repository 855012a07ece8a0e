"""The customer whose account is asked for, or 404.

The overview is project data (phases, health, risks), so it takes the projects scope, not the
customers one.
"""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.customers.service import get_customer
from app.models import Customer
from app.projects.deps import ProjectsReader

ReadableAccount = Annotated[
    Customer, Depends(path_row(get_customer, "customer_id", ProjectsReader))
]
