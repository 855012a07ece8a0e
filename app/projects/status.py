"""The status document PM tools poll: small, derived live, a fixed number of queries.

PM tools poll every project every few minutes, and most polls find nothing new. So a document,
once built, is kept in the database as served, for its (version, day): see
`app/models/status_document.py` for why that is exactly what a rebuild would give. The lean
path in `app/fastpath/` answers most polls from it; this module builds it.
"""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import structlog
from sqlalchemy import Table, func, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.background import BackgroundTask

from app.core.auth import Caller
from app.db import Database, upsert
from app.models import (
    CustomerTask,
    CustomerTaskStatus,
    MilestoneStatus,
    Project,
    ReportState,
    StatusDocument,
)
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
    WaitingForCustomer,
)
from app.projects.service import get_project

log = structlog.get_logger(__name__)

OVERDUE_SHOWN = 20
TOP_RISKS_SHOWN = 5


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
    late_tasks = (
        await session.exec(
            select(CustomerTask)
            .where(
                CustomerTask.project_id == project.id,
                CustomerTask.status == CustomerTaskStatus.open,
                col(CustomerTask.due_date) < today,
            )
            .order_by(col(CustomerTask.due_date), col(CustomerTask.id))
            .limit(OVERDUE_SHOWN)
        )
    ).all()
    blocked = {task.milestone_id for task in late_tasks}
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
                id=m.id,
                name=m.name,
                due_date=m.due_date,
                days_overdue=(today - m.due_date).days,
                waiting_for_customer=m.id in blocked,
            )
            for m in overdue
        ],
        waiting_for_customer=[
            WaitingForCustomer(
                id=task.id,
                title=task.title,
                due_date=task.due_date,
                days_overdue=(today - task.due_date).days,
                milestone_id=task.milestone_id,
            )
            for task in late_tasks
            if task.due_date is not None
        ],
        top_risks=[RiskBrief.model_validate(risk) for risk in top_risks],
        open_risk_count=open_risk_count,
        latest_status_report=ReportBrief.model_validate(latest) if latest else None,
        version=project.version,
        updated_at=project.updated_at,
    )


async def stored_document(
    session: AsyncSession, project_id: UUID, version: int, today: date
) -> bytes | None:
    """The document kept for this (version, day), if one of the replicas built it already."""
    found = await session.exec(
        select(StatusDocument.document).where(
            StatusDocument.project_id == project_id,
            StatusDocument.version == version,
            StatusDocument.as_of == today,
        )
    )
    return found.first()


_REBUILT = ("version", "as_of", "document")


async def keep_document(
    database: Database, project_id: UUID, version: int, today: date, document: bytes
) -> None:
    """Keep a built document, in a short write transaction of its own (the poll's own is a read).

    A document of a newer (version, day) is never replaced by an older one, so two replicas
    building at once leave the newer. Keeping is an optimisation: when it fails, the poll still
    gets its document and the next poll builds it again.
    """
    row = {"project_id": project_id, "version": version, "as_of": today, "document": document}
    kept_table: Table = StatusDocument.__table__  # type: ignore[attr-defined]
    kept = kept_table.c
    try:
        async with database.transaction() as session:
            statement = upsert(session, kept_table, row)
            newer = tuple_(kept.version, kept.as_of) < tuple_(
                statement.excluded.version, statement.excluded.as_of
            )
            await session.exec(
                statement.on_conflict_do_update(
                    index_elements=[kept.project_id],
                    set_={name: statement.excluded[name] for name in _REBUILT},
                    where=newer,
                )
            )
    except SQLAlchemyError:
        log.warning("status_document_not_kept", project_id=str(project_id), exc_info=True)


async def built_document(session: AsyncSession, project: Project, today: date) -> bytes:
    """The status document as served: JSON bytes, built now."""
    return (await project_status(session, project, today)).model_dump_json().encode()


async def rebuild_for_the_day(session: AsyncSession, today: date, limit: int) -> int:
    """Build for `today` up to `limit` documents kept for an earlier day, of projects not
    archived, so that the first poll after midnight finds its document (the clock does this,
    a batch a sweep). Rows another sweep holds are skipped (PostgreSQL). How many were built."""
    rows = await session.exec(
        select(StatusDocument, Project)
        .join(Project, col(Project.id) == col(StatusDocument.project_id))
        .where(StatusDocument.as_of < today, col(Project.archived_at).is_(None))
        .order_by(col(StatusDocument.project_id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=StatusDocument)
    )
    found = list(rows)
    for kept, project in found:
        kept.document = await built_document(session, project, today)
        kept.version, kept.as_of = project.version, today
    await session.flush()
    return len(found)


@dataclass(frozen=True)
class Built:
    """A status document and, when it was built rather than found, how to keep it."""

    document: bytes
    keep: BackgroundTask | None = None


async def status_document(
    session: AsyncSession,
    database: Database,
    caller: Caller,
    project_id: UUID,
    version: int,
    today: date,
) -> Built:
    """The status document as JSON: as kept for this version and day, or built now, with the
    task that keeps it under the version it was built from. The task runs once the answer has
    been sent, on a connection of its own: a poll that held its own while it waited for a
    second could, with enough of them at once, drain the pool."""
    document = await stored_document(session, project_id, version, today)
    if document is not None:
        return Built(document)
    project = await get_project(session, caller, project_id)
    document = await built_document(session, project, today)
    keep = BackgroundTask(keep_document, database, project.id, project.version, today, document)
    return Built(document, keep)
