"""Approval applies a change request to its project: budget and milestone dates move together.

Everything happens in the approving transaction, or nothing does: a move that would put a
milestone after one that depends on it, or a budget in another currency, is a 409.
"""

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import Conflict
from app.core.moments import FIRST_DAY, LAST_DAY
from app.core.outbox import record_change
from app.milestones.dependency_rules import project_edges
from app.models import ChangeRequest, ChangeRequestMilestone, Milestone, MilestoneStatus, Project


class ChangeNotApplicable(Conflict):
    slug = "change-not-applicable"


def _moved(due: date, days: int) -> date | None:
    """The due date moved by `days`, or None outside the dates the API accepts."""
    try:
        moved = due + timedelta(days=days)
    except OverflowError:
        return None
    return moved if FIRST_DAY <= moved <= LAST_DAY else None


def _budget(project: Project) -> dict[str, Any] | None:
    return project.budget


def _out_of_order(
    edges: dict[UUID, set[UUID]], dues: dict[UUID, date], moved: set[UUID]
) -> list[str]:
    """Dependencies the move breaks: a milestone due before one it depends on."""
    return [
        f"{milestone} (due {dues[milestone].isoformat()}) depends on {needed} "
        f"(due {dues[needed].isoformat()})"
        for milestone, needs in sorted(edges.items())
        for needed in sorted(needs)
        if (milestone in moved or needed in moved) and dues[milestone] < dues[needed]
    ]


async def apply_change(
    session: AsyncSession, project: Project, change_request: ChangeRequest
) -> dict[str, Any]:
    """Move the named milestones by the schedule impact and add the cost impact to the budget;
    record `milestone.updated` and `project.updated` for what moved. Returns what was applied,
    for the `change_request.approved` event. The baseline stays."""
    days = change_request.schedule_impact_days or 0
    rows = await session.exec(
        select(Milestone)
        .join(
            ChangeRequestMilestone,
            col(ChangeRequestMilestone.milestone_id) == col(Milestone.id),
        )
        .where(ChangeRequestMilestone.change_request_id == change_request.id)
        .order_by(col(Milestone.id))
    )
    milestones = list(rows)
    if done := [str(m.id) for m in milestones if m.status is MilestoneStatus.done and days]:
        raise ChangeNotApplicable(f"Milestones done since the assessment: {', '.join(done)}.")
    budget_before = _budget(project)
    amount = change_request.cost_impact_amount
    if amount is not None:
        if (
            project.budget_amount is None
            or project.budget_currency != change_request.cost_impact_currency
        ):
            raise ChangeNotApplicable(
                "The project's budget is no longer in the currency of the cost impact; "
                "assess the change again."
            )
        if project.budget_amount + amount < 0:
            raise ChangeNotApplicable("The change would make the budget negative.")
    moves = []
    if days and milestones:
        found = await session.exec(
            select(col(Milestone.id), col(Milestone.due_date)).where(
                Milestone.project_id == project.id
            )
        )
        dues = dict(found.all())
        for milestone in milestones:
            moved_to = _moved(milestone.due_date, days)
            if moved_to is None:
                raise ChangeNotApplicable(
                    f"{milestone.name} would be due outside of {FIRST_DAY} to {LAST_DAY}."
                )
            dues[milestone.id] = moved_to
        edges = await project_edges(session, project.id)
        if broken := _out_of_order(edges, dues, {m.id for m in milestones}):
            raise ChangeNotApplicable(
                "Moving these milestones breaks their dependencies: "
                + "; ".join(broken)
                + ". Assess the change again (move it to `assessed` again) with the dependent "
                "milestones too."
            )
        for milestone in milestones:
            moves.append(
                {
                    "milestone_id": milestone.id,
                    "from_due_date": milestone.due_date,
                    "to_due_date": dues[milestone.id],
                }
            )
            milestone.due_date = dues[milestone.id]
    if amount:
        assert project.budget_amount is not None
        project.budget_amount += amount
    await session.flush()
    for milestone in milestones if moves else []:
        await record_change(
            session, "milestone.updated", milestone, {"due_date": milestone.due_date}
        )
    if amount:
        await record_change(session, "project.updated", project, {"budget": _budget(project)})
    return {
        "schedule_impact_days": days,
        "milestones_moved": moves,
        "budget_before": budget_before,
        "budget_after": _budget(project),
    }
