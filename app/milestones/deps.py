"""Load a milestone of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.milestones import service
from app.models import Milestone
from app.projects.deps import ProjectsReader, ProjectsWriter

ReadableMilestone = Annotated[
    Milestone, Depends(path_row(service.get_milestone, "milestone_id", ProjectsReader))
]
MilestoneToChange = Annotated[
    Milestone,
    Depends(path_row(service.get_milestone, "milestone_id", ProjectsWriter, if_match=True)),
]
