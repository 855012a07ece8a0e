"""A project's timeline: its milestones as Gantt bars, and the critical path through them."""

from datetime import date
from typing import NamedTuple
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.milestones.dependency_rules import project_edges
from app.milestones.graph import critical_path
from app.milestones.schemas import ProjectTimeline, TimelineMilestone
from app.models import Milestone, MilestoneStatus, Project


class _Bar(NamedTuple):
    id: UUID
    name: str
    start_date: date | None
    due_date: date
    baseline_due_date: date
    status: MilestoneStatus
    completed_date: date | None
    customer_visible: bool


_COLUMNS = [col(getattr(Milestone, field)) for field in _Bar._fields]


async def project_timeline(session: AsyncSession, project: Project) -> ProjectTimeline:
    """Two queries (milestones, dependencies), then O(V + E) work.

    A bar starts at its `start_date`, else when the last of its dependencies is due, else when
    the project starts; a bar never starts after it is due. Nothing here depends on today, so
    the project's version is a correct ETag.
    """
    found = await session.exec(select(*_COLUMNS).where(Milestone.project_id == project.id))
    bars = {row[0]: _Bar(*row) for row in found}
    edges = await project_edges(session, project.id)
    depends_on = {node: sorted(edges.get(node, ())) for node in bars}
    starts: dict[UUID, date] = {}
    for node, bar in bars.items():
        start = bar.start_date
        if start is None and depends_on[node]:
            start = max(bars[needed].due_date for needed in depends_on[node])
        start = start or project.start_date or bar.due_date
        starts[node] = min(start, bar.due_date)
    durations = {node: (bars[node].due_date - start).days for node, start in starts.items()}
    last_due = max((bar.due_date for bar in bars.values()), default=None)
    path = critical_path(
        durations, depends_on, [node for node, bar in bars.items() if bar.due_date == last_due]
    )
    on_path = set(path)
    milestones = [
        TimelineMilestone(
            id=node,
            name=bar.name,
            start=starts[node],
            due=bar.due_date,
            baseline_due=bar.baseline_due_date,
            status=bar.status,
            completed_date=bar.completed_date,
            customer_visible=bar.customer_visible,
            depends_on=depends_on[node],
            on_critical_path=node in on_path,
        )
        for node, bar in bars.items()
    ]
    milestones.sort(key=lambda milestone: (milestone.start, milestone.due, milestone.id))
    return ProjectTimeline(
        project_id=project.id,
        start_date=project.start_date,
        target_end_date=project.target_end_date,
        milestones=milestones,
        critical_path=path,
    )
