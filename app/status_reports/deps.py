"""Load a status report of the caller's organization, or 404."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.deps import SessionDep
from app.models import StatusReport
from app.projects.deps import ProjectsReader, ProjectsWriter
from app.status_reports import service


async def _readable(
    session: SessionDep, caller: ProjectsReader, status_report_id: UUID
) -> StatusReport:
    return await service.get_report(session, caller, status_report_id)


async def _writable(
    session: SessionDep, caller: ProjectsWriter, status_report_id: UUID
) -> StatusReport:
    return await service.get_report(session, caller, status_report_id)


ReadableReport = Annotated[StatusReport, Depends(_readable)]
WritableReport = Annotated[StatusReport, Depends(_writable)]
