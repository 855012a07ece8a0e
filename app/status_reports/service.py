"""Status reports: written as drafts, frozen at publication with a snapshot of the project."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.core.writes import assign
from app.models import Project, ReportKind, ReportState, Risk, StatusReport
from app.models.base import today, utcnow
from app.projects.health import LIVE_RISK
from app.projects.lifecycle import ensure_active
from app.projects.service import active_project_of
from app.projects.status import latest_published_report, project_status
from app.risks.bands import RiskBand, band_of
from app.status_reports.schemas import (
    ChangesSincePrevious,
    Snapshot,
    StatusReportCreate,
    StatusReportUpdate,
)


class StatusReportNotFound(NotFound):
    subject = "status report"


class ReportPublished(Conflict):
    slug = "report-published"


async def get_report(session: AsyncSession, caller: Caller, report_id: UUID) -> StatusReport:
    return await get_owned(session, caller, StatusReport, report_id, StatusReportNotFound)


async def list_reports(
    session: AsyncSession,
    project: Project,
    page: PageParams,
    *,
    kind: ReportKind | None = None,
    state: ReportState | None = None,
) -> Sequence[StatusReport]:
    statement = where_given(
        select(StatusReport).where(StatusReport.project_id == project.id),
        {StatusReport.kind: kind, StatusReport.state: state},
    )
    return (await session.exec(page.keyset(statement, col(StatusReport.id)))).all()


async def create_report(
    session: AsyncSession, project: Project, data: StatusReportCreate
) -> StatusReport:
    ensure_active(project)
    report = StatusReport(
        organization_id=project.organization_id,
        project_id=project.id,
        **data.model_dump(mode="json", exclude={"period_start", "period_end"}),
        period_start=data.period_start,
        period_end=data.period_end,
    )
    session.add(report)
    await session.flush()
    return report


def _ensure_draft(report: StatusReport) -> None:
    if report.state is ReportState.published:
        raise ReportPublished("Published reports are immutable; write a new report instead.")


async def update_report(
    session: AsyncSession, report: StatusReport, data: StatusReportUpdate
) -> StatusReport:
    """Drafts change freely; a published report is a record and never changes (409)."""
    _ensure_draft(report)
    changes = data.changes()
    if "issues" in changes:
        changes["issues"] = [issue.model_dump() for issue in data.issues]
    assign(report, changes)
    start, end = report.period_start, report.period_end
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            "period_end must not be before period_start.",
            errors=[
                FieldProblem(
                    loc=["body", "period_end"], message="before period_start", type="date_order"
                )
            ],
        )
    await session.flush()
    return report


async def delete_report(session: AsyncSession, report: StatusReport) -> None:
    _ensure_draft(report)
    await session.delete(report)
    await session.flush()


async def _risks_by_band(session: AsyncSession, project: Project) -> dict[str, int]:
    rows = await session.exec(
        select(Risk.score, func.count())
        .where(Risk.project_id == project.id, col(Risk.status).in_(LIVE_RISK))
        .group_by(col(Risk.score))
    )
    counts = dict.fromkeys((band.value for band in RiskBand), 0)
    for score, count in rows:
        counts[band_of(score).value] += count
    return counts


async def _snapshot(session: AsyncSession, project: Project) -> Snapshot:
    status = await project_status(session, project, today())
    return Snapshot(
        phase=status.phase,
        health=status.health,
        health_source=status.health_source,
        health_reasons=status.health_reasons,
        progress=status.progress,
        overdue_milestones=status.overdue_milestones,
        open_risks_by_band=await _risks_by_band(session, project),
    )


def _change(previous: Any, current: Any) -> dict[str, Any] | None:
    return None if previous == current else {"previous": previous, "current": current}


def _compare(previous: StatusReport, current: Snapshot) -> ChangesSincePrevious:
    before = Snapshot.model_validate(previous.snapshot)
    before_overdue = {m.id for m in before.overdue_milestones}
    now_overdue = {m.id for m in current.overdue_milestones}
    return ChangesSincePrevious.model_validate(
        {
            "previous_report_id": previous.id,
            "health": _change(before.health, current.health),
            "phase": _change(before.phase, current.phase),
            "progress_percent": _change(before.progress.percent, current.progress.percent),
            "open_risks_by_band": {
                band: current.open_risks_by_band.get(band, 0) - count
                for band, count in before.open_risks_by_band.items()
            },
            "newly_overdue": sorted(now_overdue - before_overdue),
            "no_longer_overdue": sorted(before_overdue - now_overdue),
        }
    )


async def publish_report(session: AsyncSession, report: StatusReport) -> StatusReport:
    """Freeze the report: snapshot the project now, and compare it with the last published one."""
    _ensure_draft(report)
    project = await active_project_of(session, report)
    previous = await latest_published_report(session, report.project_id)
    snapshot = await _snapshot(session, project)
    report.snapshot = snapshot.model_dump(mode="json")
    report.changes_since_previous = (
        _compare(previous, snapshot).model_dump(mode="json") if previous else None
    )
    report.previous_report_id = previous.id if previous else None
    report.state = ReportState.published
    report.published_at = utcnow()
    await session.flush()
    await record_change(
        session,
        "status_report.published",
        report,
        {
            "kind": report.kind,
            "health": snapshot.health,
            "progress_percent": snapshot.progress.percent,
            "published_at": report.published_at,
        },
    )
    return report
