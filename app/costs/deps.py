"""Load a cost entry of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.costs import service
from app.models.kpi import CostEntry
from app.projects.deps import ProjectsReader, ProjectsWriter

ReadableCostEntry = Annotated[
    CostEntry, Depends(path_row(service.get_cost_entry, "cost_entry_id", ProjectsReader))
]
# Cost entries are never edited, so their deletion names no version (no `If-Match`).
WritableCostEntry = Annotated[
    CostEntry, Depends(path_row(service.get_cost_entry, "cost_entry_id", ProjectsWriter))
]
