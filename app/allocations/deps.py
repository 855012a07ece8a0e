"""Load an allocation, or a member whose allocations are read, of the caller's organization, or
404; the window both allocation lists share."""

from typing import Annotated

from fastapi import Depends, Query

from app.allocations import service
from app.allocations.schemas import AllocationWindow
from app.core.moments import CalendarDate, UpdatedSince
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


async def _window(
    start: Annotated[
        CalendarDate | None,
        Query(alias="from", description="Only allocations ending on or after this day."),
    ] = None,
    end: Annotated[
        CalendarDate | None,
        Query(alias="to", description="Only allocations starting on or before this day."),
    ] = None,
    updated_since: UpdatedSince = None,
) -> AllocationWindow:
    return AllocationWindow(start=start, end=end, updated_since=updated_since)


AllocationWindowDep = Annotated[AllocationWindow, Depends(_window)]
