"""Change requests: `draft → submitted → assessed → approved | rejected → implemented`.

The customer asks (through sales), the project manager assesses (and may assess again), the
customer decides. Every move is recorded with who and when; approval applies the assessment to
the project in the same transaction (`apply.py`) and puts its new risks in the register.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.change_requests.apply import apply_change
from app.change_requests.schemas import (
    Assessment,
    ChangeRequestCreate,
    ChangeRequestPublic,
    ChangeRequestTransitionCreate,
    ChangeRequestUpdate,
)
from app.core.auth import Caller
from app.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.outbox import record_change
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, project_select
from app.core.writes import assign, claim, new_values
from app.members.service import require_members
from app.models import (
    ChangeRequest,
    ChangeRequestMilestone,
    ChangeRequestStatus,
    ChangeRequestTransition,
    Milestone,
    MilestoneStatus,
    Project,
)
from app.models.base import utcnow
from app.projects.lifecycle import IllegalTransition, ensure_active
from app.projects.service import active_project_of
from app.risks import service as risks_service

Status = ChangeRequestStatus
ALLOWED_MOVES: dict[Status, frozenset[Status]] = {
    Status.draft: frozenset({Status.submitted}),
    Status.submitted: frozenset({Status.assessed}),
    # `assessed → assessed` is a re-assessment: an approval refused as not applicable (409
    # `change-not-applicable`) is assessed again rather than rejected and started over.
    Status.assessed: frozenset({Status.assessed, Status.approved, Status.rejected}),
    Status.approved: frozenset({Status.implemented}),
    Status.rejected: frozenset(),
    Status.implemented: frozenset(),
}
EDITABLE = frozenset({Status.draft, Status.submitted})
OPEN_STATUSES = (Status.draft, Status.submitted, Status.assessed)
_EVENTS = {
    Status.submitted: "change_request.submitted",
    Status.approved: "change_request.approved",
    Status.rejected: "change_request.rejected",
}


class ChangeRequestNotFound(NotFound):
    subject = "change request"


class ChangeRequestFrozen(Conflict):
    slug = "change-request-frozen"


async def get_change_request(
    session: AsyncSession, caller: Caller, change_request_id: UUID
) -> ChangeRequest:
    return await get_owned(session, caller, ChangeRequest, change_request_id, ChangeRequestNotFound)


async def describe(
    session: AsyncSession, change_requests: Sequence[ChangeRequest]
) -> list[ChangeRequestPublic]:
    """The requests with their milestones and history: two more queries for any number."""
    ids = [change_request.id for change_request in change_requests]
    milestones: dict[UUID, list[UUID]] = defaultdict(list)
    history: dict[UUID, list[ChangeRequestTransition]] = defaultdict(list)
    if ids:
        links = await session.exec(
            select(ChangeRequestMilestone)
            .where(col(ChangeRequestMilestone.change_request_id).in_(ids))
            .order_by(col(ChangeRequestMilestone.milestone_id))
        )
        for link in links:
            milestones[link.change_request_id].append(link.milestone_id)
        moves = await session.exec(
            select(ChangeRequestTransition)
            .where(col(ChangeRequestTransition.change_request_id).in_(ids))
            .order_by(col(ChangeRequestTransition.id))
        )
        for move in moves:
            history[move.change_request_id].append(move)
    return [
        ChangeRequestPublic.model_validate(
            {
                **change_request.model_dump(),
                "milestone_ids": milestones[change_request.id],
                "cost_impact": _cost(change_request),
                "history": [move.model_dump() for move in history[change_request.id]],
            }
        )
        for change_request in change_requests
    ]


def _cost(change_request: ChangeRequest) -> dict[str, Any] | None:
    if change_request.cost_impact_amount is None:
        return None
    return {
        "amount": change_request.cost_impact_amount,
        "currency": change_request.cost_impact_currency,
    }


async def list_change_requests(
    session: AsyncSession, project: Project, page: PageParams, status: Status | None
) -> Sequence[ChangeRequest]:
    statement = where_given(project_select(ChangeRequest, project), {ChangeRequest.status: status})
    return (await session.exec(page.keyset(statement, col(ChangeRequest.id)))).all()


async def create_change_request(
    session: AsyncSession, caller: Caller, project: Project, data: ChangeRequestCreate
) -> ChangeRequest:
    """A new request starts as a `draft`."""
    ensure_active(project)
    await require_members(session, caller, {"raised_by_id": data.raised_by_id})
    change_request = ChangeRequest(
        organization_id=caller.organization_id, project_id=project.id, **data.model_dump()
    )
    session.add(change_request)
    await session.flush()
    return change_request


def _require_editable(change_request: ChangeRequest, doing: str) -> None:
    if change_request.status not in EDITABLE:
        raise ChangeRequestFrozen(
            f"A {change_request.status} change request cannot be {doing}: it is on record."
        )


async def update_change_request(
    session: AsyncSession, caller: Caller, change_request: ChangeRequest, data: ChangeRequestUpdate
) -> ChangeRequest:
    await active_project_of(session, change_request)
    _require_editable(change_request, "changed")
    changes = new_values(change_request, data.changes())
    if "raised_by_id" in changes:
        await require_members(session, caller, {"raised_by_id": changes["raised_by_id"]})
    if not changes:
        return change_request
    assign(change_request, changes)
    await session.flush()
    return change_request


async def delete_change_request(session: AsyncSession, change_request: ChangeRequest) -> None:
    """Only a draft can be deleted; anything submitted stays on record."""
    await active_project_of(session, change_request)
    if change_request.status is not Status.draft:
        raise ChangeRequestFrozen("Only a draft can be deleted; reject it instead.")
    await session.delete(change_request)
    await session.flush()


def _assessment_problem(field: str, message: str, kind: str) -> InvalidInput:
    return InvalidInput(
        message,
        errors=[FieldProblem(loc=["body", "assessment", field], message=message, type=kind)],
    )


async def _assess(
    session: AsyncSession, project: Project, change_request: ChangeRequest, assessment: Assessment
) -> list[UUID]:
    """Set the assessment on the request and return its milestones, to be stored once the
    request is claimed: open ones of this project; the cost is in the project's currency (and
    needs a budget to change)."""
    wanted = sorted(set(assessment.milestone_ids))
    if wanted:
        found = await session.exec(
            select(Milestone.id, Milestone.status).where(
                col(Milestone.id).in_(wanted), Milestone.project_id == project.id
            )
        )
        statuses = dict(found.all())
        if unknown := [str(milestone) for milestone in wanted if milestone not in statuses]:
            raise _assessment_problem(
                "milestone_ids",
                f"Not milestones of this project: {', '.join(unknown)}.",
                "unknown_reference",
            )
        if done := [str(key) for key, value in statuses.items() if value is MilestoneStatus.done]:
            raise _assessment_problem(
                "milestone_ids", f"Done milestones do not move: {', '.join(done)}.", "done"
            )
    cost = assessment.cost_impact
    if cost is not None and cost.currency != project.budget_currency:
        raise _assessment_problem(
            "cost_impact",
            "The cost impact is in the project's budget currency "
            f"({project.budget_currency or 'none: the project has no budget'}).",
            "currency",
        )
    change_request.schedule_impact_days = assessment.schedule_impact_days
    change_request.cost_impact_amount = cost.amount if cost else None
    change_request.cost_impact_currency = cost.currency if cost else None
    change_request.effort_hours = assessment.effort_hours
    change_request.new_risks = list(assessment.new_risks)
    return wanted


async def _replace_milestones(
    session: AsyncSession, change_request: ChangeRequest, wanted: list[UUID]
) -> None:
    await session.exec(
        delete(ChangeRequestMilestone).where(
            col(ChangeRequestMilestone.change_request_id) == change_request.id
        )
    )
    session.add_all(
        ChangeRequestMilestone(change_request_id=change_request.id, milestone_id=milestone_id)
        for milestone_id in wanted
    )


async def move_change_request(
    session: AsyncSession,
    caller: Caller,
    change_request: ChangeRequest,
    data: ChangeRequestTransitionCreate,
) -> ChangeRequest:
    """One step of the workflow (any other move is a 409 `illegal-transition`), recorded with
    who and when. `assessed` stores the assessment (again, from `assessed`: it replaces the
    previous one); `approved` applies it to the project in this transaction and raises its new
    risks in the project's register. Records `change_request.submitted`, `.approved`,
    `.rejected`."""
    project = await active_project_of(session, change_request)
    allowed = ALLOWED_MOVES[change_request.status]
    if data.to_status not in allowed:
        options = ", ".join(sorted(allowed)) or f"none: it is {change_request.status}"
        raise IllegalTransition(
            f"A change request cannot move from {change_request.status} to {data.to_status} "
            f"(allowed: {options})."
        )
    await require_members(session, caller, {"member_id": data.member_id})
    from_status = change_request.status
    wanted: list[UUID] | None = None
    if data.assessment is not None:
        wanted = await _assess(session, project, change_request, data.assessment)
    change_request.status = data.to_status
    if data.to_status is Status.approved:
        change_request.applied_at = utcnow()
    # The request first, then its milestones, the project's milestones and budget: a concurrent
    # move of the same request waits here and gets a 412, before it replaces the same
    # milestone rows (a 500) or holds the project that ours waits for (a deadlock).
    await claim(session, change_request)
    if wanted is not None:
        await _replace_milestones(session, change_request, wanted)
    applied: dict[str, Any] = {}
    if data.to_status is Status.approved:
        applied = await apply_change(session, project, change_request)
        await risks_service.raise_change_risks(session, caller, project, change_request)
    session.add(
        ChangeRequestTransition(
            organization_id=change_request.organization_id,
            change_request_id=change_request.id,
            from_status=from_status,
            to_status=data.to_status,
            member_id=data.member_id,
            note=data.note,
        )
    )
    await session.flush()
    if data.to_status in _EVENTS:
        await record_change(
            session,
            _EVENTS[data.to_status],
            change_request,
            {"title": change_request.title, "member_id": data.member_id, **applied},
        )
    return change_request
