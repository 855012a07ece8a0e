"""Load a status report of the caller's organization, or 404."""

from typing import Annotated

from fastapi import Depends

from app.core.path_rows import path_row
from app.models import StatusReport
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.status_reports import service

ReadableReport = Annotated[
    StatusReport, Depends(path_row(service.get_report, "status_report_id", ProjectsReader))
]
ReportToChange = Annotated[
    StatusReport,
    Depends(path_row(service.get_report, "status_report_id", ProjectsWriter, if_match=True)),
]
