"""How a project moves through its phases, and how its stored health is kept current."""

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.alerts import service as alerts
from app.change_requests.baseline import set_baseline
from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.handoffs.gate import require_accepted
from app.models import Phase, Project, ProjectTransition
from app.models.base import today, utcnow
from app.projects.health import assess_health
from app.projects.schemas import TransitionCreate

# Forward one phase at a time. Monitoring and execution alternate (control, then correct), and a
# customer who refuses acceptance sends a closing project back to execution. Closed is final.
ALLOWED_MOVES: dict[Phase, frozenset[Phase]] = {
    Phase.initiating: frozenset({Phase.planning}),
    Phase.planning: frozenset({Phase.executing}),
    Phase.executing: frozenset({Phase.monitoring, Phase.closing}),
    Phase.monitoring: frozenset({Phase.executing, Phase.closing}),
    Phase.closing: frozenset({Phase.closed, Phase.executing}),
    Phase.closed: frozenset(),
}


class IllegalTransition(Conflict):
    slug = "illegal-transition"


ARCHIVED = "The project is archived and can no longer change."


class ProjectArchived(Conflict):
    slug = "project-archived"


def ensure_active(project: Project, detail: str = ARCHIVED) -> None:
    """An archived project is read-only, its parts included (409); `detail` may name the part."""
    if project.archived_at is not None:
        raise ProjectArchived(detail)


async def refresh_health(session: AsyncSession, project: Project) -> None:
    """Store the project's current effective health; record `project.health_changed` on a change."""
    assessment = await assess_health(session, project, today())
    if assessment.health == project.health:
        return
    before = project.health
    project.health = assessment.health
    await session.flush()
    await record_change(
        session,
        "project.health_changed",
        project,
        {
            "from": before,
            "to": assessment.health,
            "source": assessment.source,
            "reasons": assessment.reasons,
        },
    )
    await alerts.project_health_changed(session, project, assessment.health, assessment.reasons)


async def move_project(
    session: AsyncSession, caller: Caller, project: Project, move: TransitionCreate
) -> ProjectTransition:
    """Move the project to `move.to_phase` if the lifecycle allows it (else 409).

    Leaving initiating needs the handoff brief accepted, when the project's template gates on
    it (409 naming the required items still empty). Leaving planning sets the project's
    baseline (budget and milestone dates). Closing for good (`closed`) needs the customer's
    acceptance date, given now or before.
    """
    ensure_active(project)
    allowed = ALLOWED_MOVES[project.phase]
    if move.to_phase not in allowed:
        options = ", ".join(sorted(allowed)) or "none: the project is closed"
        raise IllegalTransition(
            f"A project cannot go from {project.phase} to {move.to_phase}; allowed: {options}."
        )
    if project.phase is Phase.initiating:
        await require_accepted(session, project)
    acceptance = move.customer_acceptance_date or project.customer_acceptance_date
    if move.to_phase is Phase.closed and acceptance is None:
        raise InvalidInput(
            "Closing a project needs the date the customer accepted it.",
            errors=[
                FieldProblem(
                    loc=["body", "customer_acceptance_date"],
                    message="required to close",
                    type="missing",
                )
            ],
        )
    transition = ProjectTransition(
        organization_id=project.organization_id,
        project_id=project.id,
        from_phase=project.phase,
        to_phase=move.to_phase,
        moved_at=utcnow(),
        moved_by_api_key_id=caller.api_key_id,
        note=move.note,
    )
    project.phase = move.to_phase
    project.customer_acceptance_date = acceptance
    session.add(transition)
    await session.flush()
    if transition.from_phase is Phase.planning:
        await set_baseline(session, project)  # the plan as it stands when planning ends
    await record_change(
        session,
        "project.phase_changed",
        project,
        {
            "from": transition.from_phase,
            "to": transition.to_phase,
            "customer_acceptance_date": acceptance,
        },
    )
    return transition


async def list_transitions(
    session: AsyncSession, project: Project, page: PageParams
) -> Sequence[ProjectTransition]:
    statement = select(ProjectTransition).where(ProjectTransition.project_id == project.id)
    return (await session.exec(page.keyset(statement, col(ProjectTransition.id)))).all()
