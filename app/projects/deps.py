"""Load a project of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.path_rows import path_row
from app.models import Project
from app.projects import service

ProjectsReader = Annotated[Caller, requires(Scope.projects_read)]
ProjectsWriter = Annotated[Caller, requires(Scope.projects_write)]

ReadableProject = Annotated[
    Project, Depends(path_row(service.get_project, "project_id", ProjectsReader))
]
ReadableProjectVersion = Annotated[
    int, Depends(path_row(service.project_version, "project_id", ProjectsReader))
]
WritableProject = Annotated[
    Project, Depends(path_row(service.get_project_to_change, "project_id", ProjectsWriter))
]
ProjectToChange = Annotated[
    Project,
    Depends(path_row(service.get_project_to_change, "project_id", ProjectsWriter, if_match=True)),
]
