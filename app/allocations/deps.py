"""Load an allocation, or a member whose allocations are read, of the caller's organization, or
404."""

from typing import Annotated

from fastapi import Depends

from app.allocations import service
from app.core.path_rows import path_row
from app.members.service import get_member
from app.models import Allocation, Member
from app.projects.deps import ProjectsReader, ProjectsWriter

ReadableAllocation = Annotated[
    Allocation, Depends(path_row(service.get_allocation, "allocation_id", ProjectsReader))
]
AllocationToChange = Annotated[
    Allocation,
    Depends(path_row(service.get_allocation, "allocation_id", ProjectsWriter, if_match=True)),
]
# Whose allocations are read: project data, so `projects:read` is the scope.
AllocatedMember = Annotated[Member, Depends(path_row(get_member, "member_id", ProjectsReader))]
