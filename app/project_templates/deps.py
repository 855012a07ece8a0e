"""Load a project template of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.models import ProjectTemplate
from app.project_templates.service import get_template
from app.projects.deps import ProjectsReader, ProjectsWriter

ReadableTemplate = Annotated[
    ProjectTemplate, Depends(path_row(get_template, "project_template_id", ProjectsReader))
]
TemplateToChange = Annotated[
    ProjectTemplate,
    Depends(path_row(get_template, "project_template_id", ProjectsWriter, if_match=True)),
]
