"""Status reports: what was reported, frozen at publication."""

from fastapi import status

from app.core.deps import SessionDep
from app.core.errors import problem_responses
from app.core.etag import NOT_MODIFIED
from app.core.idempotency import IdempotencyDep
from app.core.pagination import PageDep
from app.core.routing import api_router
from app.models import ReportKind, ReportState
from app.projects.deps import ProjectsWriter, ReadableProject, WritableProject
from app.status_reports import service
from app.status_reports.deps import ReadableReport, ReportToChange
from app.status_reports.schemas import (
    StatusReportCreate,
    StatusReportPage,
    StatusReportPublic,
    StatusReportUpdate,
)

router = api_router("status-reports", problems=(401, 403, 404, 422, 500))


@router.post(
    "/v1/projects/{project_id}/status-reports",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
async def create_status_report(
    session: SessionDep,
    caller: ProjectsWriter,
    _: IdempotencyDep,
    project: WritableProject,
    body: StatusReportCreate,
) -> StatusReportPublic:
    """Start a status report as a draft."""
    report = await service.create_report(session, project, body)
    return StatusReportPublic.model_validate(report)


@router.get("/v1/projects/{project_id}/status-reports")
async def list_status_reports(
    session: SessionDep,
    project: ReadableProject,
    page: PageDep,
    kind: ReportKind | None = None,
    state: ReportState | None = None,
) -> StatusReportPage:
    """List the project's status reports, oldest first."""
    rows = await service.list_reports(session, project, page, kind=kind, state=state)
    return page.page(rows, StatusReportPage)


@router.get("/v1/status-reports/{status_report_id}", responses=NOT_MODIFIED)
async def get_status_report(report: ReadableReport) -> StatusReportPublic:
    """Read one status report."""
    return StatusReportPublic.model_validate(report)


@router.patch("/v1/status-reports/{status_report_id}", responses=problem_responses(409))
async def update_status_report(
    session: SessionDep,
    report: ReportToChange,
    body: StatusReportUpdate,
) -> StatusReportPublic:
    """Change a draft (JSON merge patch); published reports are immutable (409)."""
    report = await service.update_report(session, report, body)
    return StatusReportPublic.model_validate(report)


@router.delete(
    "/v1/status-reports/{status_report_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(409),
)
async def delete_status_report(session: SessionDep, report: ReportToChange) -> None:
    """Delete a draft; published reports stay (409)."""
    await service.delete_report(session, report)


@router.post("/v1/status-reports/{status_report_id}/publish", responses=problem_responses(409))
async def publish_status_report(session: SessionDep, report: ReportToChange) -> StatusReportPublic:
    """Publish a draft: snapshot the project, compare with the last report, freeze it."""
    report = await service.publish_report(session, report)
    return StatusReportPublic.model_validate(report)
