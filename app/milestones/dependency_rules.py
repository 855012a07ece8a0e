"""What milestones depend on: loading the edges, and the rules they keep.

A milestone may depend only on milestones of its own project, never on itself, never in a
cycle, and is not due before anything it depends on. Every rule answers 422 naming the ids.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import date
from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput
from app.core.tenancy import owned_by
from app.milestones.graph import cycle_through
from app.models import Milestone, MilestoneDependency


def _problem(milestone_id: UUID, message: str, kind: str) -> FieldProblem:
    return FieldProblem(loc=["body", "depends_on", str(milestone_id)], message=message, type=kind)


async def dependencies_of(
    session: AsyncSession, milestone_ids: Collection[UUID]
) -> dict[UUID, list[UUID]]:
    """What each milestone depends on, in one query, whatever the number of milestones."""
    found: dict[UUID, list[UUID]] = {milestone_id: [] for milestone_id in milestone_ids}
    if not found:
        return found
    rows = await session.exec(
        select(MilestoneDependency.milestone_id, MilestoneDependency.depends_on_id)
        .where(col(MilestoneDependency.milestone_id).in_(found))
        .order_by(col(MilestoneDependency.milestone_id), col(MilestoneDependency.depends_on_id))
    )
    for milestone_id, depends_on_id in rows:
        found[milestone_id].append(depends_on_id)
    return found


async def project_edges(session: AsyncSession, project_id: UUID) -> dict[UUID, set[UUID]]:
    """Every dependency of the project's milestones, in one query."""
    rows = await session.exec(
        select(MilestoneDependency.milestone_id, MilestoneDependency.depends_on_id)
        .join(Milestone, col(Milestone.id) == col(MilestoneDependency.milestone_id))
        .where(Milestone.project_id == project_id)
    )
    edges: dict[UUID, set[UUID]] = defaultdict(set)
    for milestone_id, depends_on_id in rows:
        edges[milestone_id].add(depends_on_id)
    return edges


async def check_references(
    session: AsyncSession,
    caller: Caller,
    project_id: UUID,
    depends_on: list[UUID],
    *,
    milestone_id: UUID | None = None,
) -> dict[UUID, date]:
    """The due date of each milestone depended on, after checking it is another milestone of
    the same project (another organization's milestone is simply unknown)."""
    if not depends_on:
        return {}
    rows = await session.exec(
        select(col(Milestone.id), col(Milestone.project_id), col(Milestone.due_date)).where(
            col(Milestone.id).in_(depends_on), owned_by(Milestone, caller)
        )
    )
    found = {row_id: (row_project, due) for row_id, row_project, due in rows}
    problems = []
    for needed in depends_on:
        if needed == milestone_id:
            problems.append(_problem(needed, "A milestone cannot depend on itself.", "self"))
        elif needed not in found:
            message = "No such milestone in your organization."
            problems.append(_problem(needed, message, "unknown_reference"))
        elif found[needed][0] != project_id:
            message = "This milestone belongs to another project."
            problems.append(_problem(needed, message, "other_project"))
    if problems:
        ids = ", ".join(str(problem.loc[-1]) for problem in problems)
        raise InvalidInput(f"These dependencies are not allowed: {ids}.", errors=problems)
    return {needed: due for needed, (_, due) in found.items()}


def cycle_problems(
    edges: dict[UUID, set[UUID]], milestone_id: UUID, depends_on: Iterable[UUID]
) -> tuple[list[FieldProblem], str | None]:
    """The problem (and its description) if the new dependencies close a cycle."""
    cycle = cycle_through({**edges, milestone_id: set(depends_on)}, milestone_id)
    if cycle is None:
        return [], None
    chain = " → ".join(str(node) for node in cycle)
    message = f"This dependency closes a cycle: {chain}."
    return [_problem(cycle[1], message, "dependency_cycle")], message


def due_problems(due_date: date, dependency_dues: dict[UUID, date]) -> list[FieldProblem]:
    """A milestone is not due before anything it depends on (the same day is fine)."""
    return [
        _problem(
            needed,
            f"Milestone {needed} is due {needed_due.isoformat()}, after this milestone "
            f"({due_date.isoformat()}).",
            "due_before_dependency",
        )
        for needed, needed_due in dependency_dues.items()
        if due_date < needed_due
    ]


async def dependent_problems(
    session: AsyncSession, milestone_id: UUID, due_date: date
) -> list[FieldProblem]:
    """Moving a milestone's due date must not put it after a milestone that depends on it."""
    rows = await session.exec(
        select(col(Milestone.id), col(Milestone.due_date))
        .join(MilestoneDependency, col(MilestoneDependency.milestone_id) == col(Milestone.id))
        .where(MilestoneDependency.depends_on_id == milestone_id, Milestone.due_date < due_date)
        .order_by(col(Milestone.id))
    )
    return [
        FieldProblem(
            loc=["body", "due_date"],
            message=f"Milestone {dependent} depends on this one and is due "
            f"{dependent_due.isoformat()}, before {due_date.isoformat()}.",
            type="due_after_dependent",
        )
        for dependent, dependent_due in rows
    ]


async def add_dependencies(session: AsyncSession, edges: Iterable[tuple[UUID, UUID]]) -> None:
    """Each (milestone, milestone it depends on) edge, written together."""
    session.add_all(
        MilestoneDependency(milestone_id=milestone_id, depends_on_id=needed)
        for milestone_id, needed in edges
    )
    await session.flush()


async def replace_dependencies(
    session: AsyncSession, milestone_id: UUID, depends_on: Iterable[UUID]
) -> None:
    await session.exec(
        delete(MilestoneDependency).where(col(MilestoneDependency.milestone_id) == milestone_id)
    )
    await add_dependencies(session, ((milestone_id, needed) for needed in depends_on))
