"""The member whose calendar is asked for: a member of the caller's organization, or 404.

A member's feed shows project data (the milestones they own), so it takes the projects scopes,
not the members ones.
"""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.members.service import get_member
from app.models import Member
from app.projects.deps import ProjectsReader, ProjectsWriter

ReadableCalendarMember = Annotated[
    Member, Depends(path_row(get_member, "member_id", ProjectsReader))
]
WritableCalendarMember = Annotated[
    Member, Depends(path_row(get_member, "member_id", ProjectsWriter))
]
