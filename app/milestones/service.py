"""Milestones: what is due when, who answers for it, and what must be finished first."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, not_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.alerts import service as alerts
from app.clock.crossings import claim_crossing
from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned
from app.core.writes import assign, claim, new_values
from app.members.service import require_members
from app.milestones import dependency_rules
from app.milestones.schemas import (
    MAX_MILESTONES_PER_PROJECT,
    MilestoneCreate,
    MilestonePublic,
    MilestoneUpdate,
)
from app.models import Milestone, MilestoneDependency, MilestoneStatus, Project
from app.models.base import utcnow
from app.projects.lifecycle import ensure_active
from app.projects.room import ensure_room
from app.projects.service import get_project_to_change

DONE = MilestoneStatus.done
_STATE_FIELDS = ("start_date", "due_date", "status", "completed_date")
_EVENT_FIELDS = (
    "name",
    "start_date",
    "due_date",
    "baseline_due_date",
    "owner_id",
    "status",
    "completed_date",
    "customer_visible",
)


class MilestoneNotFound(NotFound):
    subject = "milestone"


class TooManyMilestones(Conflict):
    slug = "too-many-milestones"


def is_overdue(milestone: Milestone, today: date) -> bool:
    """Past its due date and not done (a missed milestone stays overdue)."""
    return milestone.status != DONE and milestone.due_date < today


def slip_days(milestone: Milestone, today: date) -> int:
    """Days the (expected) finish is behind the baseline, never negative.

    Done: its completion date. Otherwise it cannot finish before its due date, nor before today.
    """
    if milestone.status == DONE and milestone.completed_date is not None:
        finish = milestone.completed_date
    else:
        finish = max(today, milestone.due_date)
    return max(0, (finish - milestone.baseline_due_date).days)


def present(milestone: Milestone, depends_on: Sequence[UUID], today: date) -> MilestonePublic:
    return MilestonePublic.model_validate(
        {
            **milestone.model_dump(),
            "depends_on": sorted(depends_on),
            "overdue": is_overdue(milestone, today),
            "slip_days": slip_days(milestone, today),
        }
    )


async def get_milestone(session: AsyncSession, caller: Caller, milestone_id: UUID) -> Milestone:
    return await get_owned(session, caller, Milestone, milestone_id, MilestoneNotFound)


async def require_milestone_of(
    session: AsyncSession, project: Project, milestone_id: UUID | None
) -> None:
    """A milestone named in a body (the one feedback is about, the one a customer task unblocks)
    is one of the same project's: else a 422 naming `milestone_id`."""
    if milestone_id is None:
        return
    found = await session.exec(
        select(Milestone.id).where(
            Milestone.id == milestone_id,
            Milestone.project_id == project.id,
            Milestone.organization_id == project.organization_id,
        )
    )
    if found.first() is None:
        raise InvalidInput(
            "The milestone is not one of this project's.",
            errors=[
                FieldProblem(
                    loc=["body", "milestone_id"],
                    message="No such milestone in this project.",
                    type="unknown_reference",
                )
            ],
        )


async def describe_milestone(session: AsyncSession, milestone: Milestone) -> MilestonePublic:
    found = await dependency_rules.dependencies_of(session, [milestone.id])
    return present(milestone, found[milestone.id], date.today())


async def list_milestones(
    session: AsyncSession,
    project: Project,
    page: PageParams,
    *,
    status: MilestoneStatus | None = None,
    overdue: bool | None = None,
    customer_visible: bool | None = None,
    updated_since: datetime | None = None,
) -> list[MilestonePublic]:
    """A page of the project's milestones with their dependencies: two queries in all."""
    today = date.today()
    statement = where_given(
        select(Milestone).where(Milestone.project_id == project.id),
        {Milestone.status: status, Milestone.customer_visible: customer_visible},
        at_least={Milestone.updated_at: updated_since},
    )
    if overdue is not None:
        late = and_(col(Milestone.status) != DONE, col(Milestone.due_date) < today)
        statement = statement.where(late if overdue else not_(late))
    rows = (await session.exec(page.keyset(statement, col(Milestone.id)))).all()
    found = await dependency_rules.dependencies_of(session, [row.id for row in rows])
    return [present(row, found[row.id], today) for row in rows]


def _settle_state(
    values: dict[str, Any], today: date, *, given: bool, cleared: bool, moved: str
) -> None:
    """`done` comes with a completion date (today unless given), other statuses without one;
    a milestone does not start after it is due. Settles `completed_date` in `values`.

    `given`: the request sent a completion date; `cleared`: it sent null for it;
    `moved`: the date field to blame when the dates are out of order.
    """
    problems = []
    if values["status"] == DONE and values["completed_date"] is None:
        if cleared:
            message = "A done milestone keeps its completion date."
            problems.append(_field_problem("completed_date", message, "missing"))
        values["completed_date"] = today
    elif values["status"] != DONE and values["completed_date"] is not None:
        if given:
            message = "Only a done milestone has a completion date."
            problems.append(_field_problem("completed_date", message, "requires_done"))
        values["completed_date"] = None
    start, due = values["start_date"], values["due_date"]
    if start is not None and start > due:
        message = f"Starts {start.isoformat()}, after it is due ({due.isoformat()})."
        problems.append(_field_problem(moved, message, "date_order"))
    if problems:
        raise InvalidInput("The milestone's status and dates do not fit together.", errors=problems)


def _field_problem(field: str, message: str, kind: str) -> FieldProblem:
    return FieldProblem(loc=["body", field], message=message, type=kind)


def _raise_if(problems: list[FieldProblem], detail: str | None = None) -> None:
    if problems:
        detail = detail or "The dependencies do not fit the due dates: " + "; ".join(
            problem.message for problem in problems
        )
        raise InvalidInput(detail, errors=problems)


async def _record_status(
    session: AsyncSession, milestone: Milestone, today: date, *, created: bool = False
) -> None:
    """`milestone.completed` / `milestone.missed` when the status becomes done / missed (and a
    `risk.alert` on the miss). A miss of a due date is raised once, by this or by the clock.
    A milestone just `created` has no alert to clear yet: only a miss is settled."""
    dates = {"due_date": milestone.due_date, "baseline_due_date": milestone.baseline_due_date}
    if milestone.status == DONE:
        data = {
            "completed_date": milestone.completed_date,
            **dates,
            "slip_days": slip_days(milestone, today),
        }
        await record_change(session, "milestone.completed", milestone, data)
    elif milestone.status == MilestoneStatus.missed and await claim_crossing(
        session,
        organization_id=milestone.organization_id,
        aggregate_id=milestone.id,
        event_type="milestone.missed",
        moment=milestone.due_date,
    ):  # the clock's sweep claims the same key when the due date passes
        await record_change(session, "milestone.missed", milestone, dates)
    if not created or milestone.status == MilestoneStatus.missed:
        await alerts.milestone_changed(session, milestone)


async def create_milestone(
    session: AsyncSession, caller: Caller, project: Project, data: MilestoneCreate
) -> MilestonePublic:
    """A new milestone: its baseline is its due date; it may depend on milestones of the
    project that are due no later than it. A project has at most MAX_MILESTONES_PER_PROJECT
    milestones (409): its timeline, Gantt chart and share page show the whole plan at once,
    and a plan with more rows than a person can follow would only make them slow."""
    [(milestone, depends_on)] = await create_milestones(session, caller, project, [data])
    return present(milestone, depends_on, date.today())


async def create_milestones(
    session: AsyncSession,
    caller: Caller,
    project: Project,
    planned: Sequence[MilestoneCreate],
    *,
    in_sequence: bool = False,
) -> list[tuple[Milestone, list[UUID]]]:
    """New milestones under the rules of `create_milestone`, checked once for all of them and
    written together: a won deal's project gets its template's milestones at once, and
    checking and writing each apart cost planning a round trip per row and rule.
    `in_sequence`: each also depends on the one before it (a template's plan is a chain). Each
    milestone with the milestones it depends on, in the order given (none for none)."""
    if not planned:
        return []
    ensure_active(project)
    await ensure_room(
        session,
        project,
        Milestone,
        MAX_MILESTONES_PER_PROJECT,
        TooManyMilestones,
        "milestones",
        adding=len(planned),
    )
    today = date.today()
    settled = []
    for data in planned:
        values = data.model_dump(exclude={"depends_on"})
        given = data.completed_date is not None
        _settle_state(values, today, given=given, cleared=False, moved="start_date")
        settled.append(values)
    single = len(planned) == 1
    owners = {
        "owner_id" if single else f"{index}.owner_id": data.owner_id
        for index, data in enumerate(planned)
    }
    await require_members(session, caller, owners)
    named = sorted({needed for data in planned for needed in data.depends_on})
    dues = await dependency_rules.check_references(session, caller, project.id, named)
    created: list[tuple[Milestone, list[UUID]]] = []
    for data, values in zip(planned, settled, strict=True):
        needs = set(data.depends_on)
        if in_sequence and created:
            before = created[-1][0]
            needs.add(before.id)
            dues[before.id] = before.due_date
        _raise_if(dependency_rules.due_problems(data.due_date, {d: dues[d] for d in sorted(needs)}))
        milestone = Milestone(
            organization_id=caller.organization_id,
            project_id=project.id,
            baseline_due_date=data.due_date,
            **values,
        )
        created.append((milestone, sorted(needs)))
    session.add_all(milestone for milestone, _ in created)
    await session.flush()
    edges = [(milestone.id, needed) for milestone, depends_on in created for needed in depends_on]
    await dependency_rules.add_dependencies(session, edges)
    for milestone, depends_on in created:
        fields = {field: getattr(milestone, field) for field in _EVENT_FIELDS}
        await record_change(
            session, "milestone.created", milestone, {**fields, "depends_on": depends_on}
        )
        await _record_status(session, milestone, today, created=True)
    return created


async def _check_dependencies(
    session: AsyncSession,
    caller: Caller,
    milestone: Milestone,
    due_date: date,
    depends_on: list[UUID],
    current: list[UUID],
) -> None:
    """The rules of a changed dependency set or due date: references, cycles, and due dates
    in both directions (what it depends on, and what depends on it)."""
    added = set(depends_on) - set(current)
    moved = due_date != milestone.due_date
    if not added and not moved:
        return
    dues = await dependency_rules.check_references(
        session, caller, milestone.project_id, depends_on, milestone_id=milestone.id
    )
    problems: list[FieldProblem] = []
    detail: str | None = None
    if added:
        edges = await dependency_rules.project_edges(session, milestone.project_id)
        problems, detail = dependency_rules.cycle_problems(edges, milestone.id, depends_on)
    problems += dependency_rules.due_problems(due_date, dues)
    if moved:
        problems += await dependency_rules.dependent_problems(session, milestone.id, due_date)
    _raise_if(problems, detail)


async def update_milestone(
    session: AsyncSession, caller: Caller, milestone: Milestone, data: MilestoneUpdate
) -> MilestonePublic:
    """Change a milestone; `depends_on` replaces the set. The baseline never moves here."""
    project = await get_project_to_change(session, caller, milestone.project_id)
    ensure_active(project)
    today = date.today()
    changes = data.changes()
    current = (await dependency_rules.dependencies_of(session, [milestone.id]))[milestone.id]
    requested = changes.pop("depends_on", None)
    depends_on = sorted(set(requested)) if requested is not None else current
    state = {field: changes.get(field, getattr(milestone, field)) for field in _STATE_FIELDS}
    _settle_state(
        state,
        today,
        given=changes.get("completed_date") is not None,
        cleared="completed_date" in changes and changes["completed_date"] is None,
        moved="start_date" if "start_date" in changes else "due_date",
    )
    if "owner_id" in changes:
        await require_members(session, caller, {"owner_id": changes["owner_id"]})
    await _check_dependencies(session, caller, milestone, state["due_date"], depends_on, current)
    changed = new_values(milestone, {**changes, **state})
    if set(depends_on) != set(current):
        changed["depends_on"] = depends_on
    if not changed:
        return present(milestone, current, today)
    assign(milestone, {field: changed[field] for field in changed.keys() - {"depends_on"}})
    await claim(session, milestone)  # a new version even when only the dependencies changed
    if "depends_on" in changed:
        await dependency_rules.replace_dependencies(session, milestone.id, depends_on)
    await record_change(session, "milestone.updated", milestone, changed)
    if "status" in changed:
        await _record_status(session, milestone, today)
    return present(milestone, depends_on, today)


async def delete_milestone(session: AsyncSession, caller: Caller, milestone: Milestone) -> None:
    """Remove a milestone; what depended on it no longer does (and gets a new version)."""
    project = await get_project_to_change(session, caller, milestone.project_id)
    ensure_active(project)
    dependents = (
        await session.exec(
            select(Milestone)
            .join(MilestoneDependency, col(MilestoneDependency.milestone_id) == col(Milestone.id))
            .where(MilestoneDependency.depends_on_id == milestone.id)
        )
    ).all()
    remaining = await dependency_rules.dependencies_of(session, [row.id for row in dependents])
    await record_change(session, "milestone.deleted", milestone, {"name": milestone.name})
    await alerts.forget(session, milestone.organization_id, milestone.id)
    await session.delete(milestone)
    await session.flush()  # the database drops its dependency edges (ON DELETE CASCADE)
    now = utcnow()
    for dependent in dependents:
        dependent.updated_at = now
    await session.flush()
    for dependent in dependents:
        depends_on = [needed for needed in remaining[dependent.id] if needed != milestone.id]
        await record_change(session, "milestone.updated", dependent, {"depends_on": depends_on})
