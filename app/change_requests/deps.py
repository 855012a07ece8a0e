"""Load a change request of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.change_requests.service import get_change_request
from app.core.path_rows import path_row
from app.models import ChangeRequest
from app.projects.deps import ProjectsReader, ProjectsWriter

ReadableChangeRequest = Annotated[
    ChangeRequest, Depends(path_row(get_change_request, "change_request_id", ProjectsReader))
]
ChangeRequestToChange = Annotated[
    ChangeRequest,
    Depends(path_row(get_change_request, "change_request_id", ProjectsWriter, if_match=True)),
]
