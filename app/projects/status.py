"""The status document PM tools poll: small, derived live, a fixed number of queries.

PM tools poll every project every few minutes, and most polls find nothing new. So a document,
once built, is kept serialised by (project, version, day): the version grows on every change of
the project or its parts — the promise its ETag already keeps — and the day covers what the
calendar alone changes (overdue, health), so a kept document is exactly what a rebuild would
give. The keeping is per process and bounded; a replica that misses builds the document again.
"""

from collections import OrderedDict
from datetime import date
from uuid import UUID

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.models import MilestoneStatus, Project, ReportState
from app.models.milestone import Milestone
from app.models.risk import Risk
from app.models.status_report import StatusReport
from app.projects.health import LIVE_RISK, OPEN_MILESTONE, assess_health
from app.projects.schemas import (
    MilestoneBrief,
    OverdueMilestone,
    Progress,
    ProjectStatus,
    ReportBrief,
    RiskBrief,
)
from app.projects.service import get_project

OVERDUE_SHOWN = 20
TOP_RISKS_SHOWN = 5
DOCUMENTS_KEPT = 20_000  # about 1 KB each


class StatusDocuments:
    """Serialised status documents by (project, version, day), the least recently read dropped
    first when full."""

    def __init__(self, size: int = DOCUMENTS_KEPT) -> None:
        self._size = size
        self._documents: OrderedDict[tuple[UUID, int, date], bytes] = OrderedDict()

    def get(self, project_id: UUID, version: int, today: date) -> bytes | None:
        document = self._documents.get((project_id, version, today))
        if document is not None:
            self._documents.move_to_end((project_id, version, today))
        return document

    def keep(self, project_id: UUID, version: int, today: date, document: bytes) -> None:
        self._documents[(project_id, version, today)] = document
        self._documents.move_to_end((project_id, version, today))
        while len(self._documents) > self._size:
            self._documents.popitem(last=False)


async def latest_published_report(session: AsyncSession, project_id: UUID) -> StatusReport | None:
    """The project's most recently published status report, if any."""
    found = await session.exec(
        select(StatusReport)
        .where(StatusReport.project_id == project_id, StatusReport.state == ReportState.published)
        .order_by(col(StatusReport.published_at).desc())
        .limit(1)
    )
    return found.first()


async def _progress(session: AsyncSession, project: Project) -> Progress:
    total, done = (
        await session.exec(
            select(
                func.count(),
                func.count().filter(col(Milestone.status) == MilestoneStatus.done),
            ).where(Milestone.project_id == project.id)
        )
    ).one()
    percent = round(100 * done / total) if total else 0
    return Progress(milestones_total=total, milestones_done=done, percent=percent)


async def project_status(session: AsyncSession, project: Project, today: date) -> ProjectStatus:
    open_milestones = select(Milestone).where(
        Milestone.project_id == project.id, col(Milestone.status).in_(OPEN_MILESTONE)
    )
    overdue = (
        await session.exec(
            open_milestones.where(Milestone.due_date < today)
            .order_by(col(Milestone.due_date), col(Milestone.id))
            .limit(OVERDUE_SHOWN)
        )
    ).all()
    upcoming = (
        await session.exec(
            open_milestones.where(Milestone.due_date >= today)
            .order_by(col(Milestone.due_date), col(Milestone.id))
            .limit(1)
        )
    ).first()
    live_risks = select(Risk).where(Risk.project_id == project.id, col(Risk.status).in_(LIVE_RISK))
    top_risks = (
        await session.exec(
            live_risks.order_by(col(Risk.score).desc(), col(Risk.id)).limit(TOP_RISKS_SHOWN)
        )
    ).all()
    open_risk_count = (
        await session.exec(select(func.count()).select_from(live_risks.subquery()))
    ).one()
    latest = await latest_published_report(session, project.id)
    health = await assess_health(session, project, today)
    return ProjectStatus(
        project_id=project.id,
        name=project.name,
        phase=project.phase,
        health=health.health,
        health_source=health.source,
        health_reasons=health.reasons,
        progress=await _progress(session, project),
        next_milestone=MilestoneBrief.model_validate(upcoming) if upcoming else None,
        overdue_milestones=[
            OverdueMilestone(
                id=m.id, name=m.name, due_date=m.due_date, days_overdue=(today - m.due_date).days
            )
            for m in overdue
        ],
        top_risks=[RiskBrief.model_validate(risk) for risk in top_risks],
        open_risk_count=open_risk_count,
        latest_status_report=ReportBrief.model_validate(latest) if latest else None,
        version=project.version,
        updated_at=project.updated_at,
    )


async def status_document(
    session: AsyncSession,
    documents: StatusDocuments,
    caller: Caller,
    project_id: UUID,
    version: int,
    today: date,
) -> bytes:
    """The status document as JSON: kept from an earlier read of this version on this day, or
    built and kept (under the version it was built from)."""
    document = documents.get(project_id, version, today)
    if document is None:
        project = await get_project(session, caller, project_id)
        document = (await project_status(session, project, today)).model_dump_json().encode()
        documents.keep(project.id, project.version, today, document)
    return document
