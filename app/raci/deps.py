"""Load an activity of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.models import Activity
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.raci import service

ReadableActivity = Annotated[
    Activity, Depends(path_row(service.get_activity, "activity_id", ProjectsReader))
]
ActivityToChange = Annotated[
    Activity,
    Depends(path_row(service.get_activity, "activity_id", ProjectsWriter, if_match=True)),
]
