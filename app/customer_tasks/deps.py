"""Load a customer task of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.customer_tasks import service
from app.models import CustomerTask
from app.projects.deps import ProjectsReader, ProjectsWriter

ReadableCustomerTask = Annotated[
    CustomerTask, Depends(path_row(service.get_task, "customer_task_id", ProjectsReader))
]
CustomerTaskToChange = Annotated[
    CustomerTask,
    Depends(path_row(service.get_task, "customer_task_id", ProjectsWriter, if_match=True)),
]
