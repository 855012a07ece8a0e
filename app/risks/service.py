"""Risks: what could go wrong on a project, how bad it would be, and what is done about it."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, and_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_select
from app.core.writes import assign, new_values
from app.members.service import require_members
from app.models import (
    ChangeRequest,
    Project,
    Risk,
    RiskCategory,
    RiskChange,
    RiskResponse,
    RiskStatus,
)
from app.models.base import today
from app.projects.lifecycle import ensure_active
from app.projects.service import active_project_of
from app.risks import announce
from app.risks.schemas import RiskCreate, RiskFilter, RiskUpdate

# A change of one of these is a new line in the risk's history.
TRACKED = frozenset({"probability", "impact", "status"})


class RiskNotFound(NotFound):
    subject = "risk"


async def get_risk(session: AsyncSession, caller: Caller, risk_id: UUID) -> Risk:
    return await get_owned(session, caller, Risk, risk_id, RiskNotFound)


def review_overdue_clause() -> ColumnElement[bool]:
    """Past its review date and not closed."""
    return and_(
        col(Risk.review_date).is_not(None),
        col(Risk.review_date) < today(),
        col(Risk.status) != RiskStatus.closed,
    )


async def list_risks(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    risk_filter: RiskFilter,
    *,
    project_id: UUID | None = None,
) -> Sequence[Risk]:
    statement = where_given(
        owned_select(Risk, caller),
        {Risk.project_id: project_id, Risk.change_request_id: risk_filter.change_request_id},
        at_least={Risk.score: risk_filter.min_score, Risk.updated_at: risk_filter.updated_since},
        at_most={Risk.score: risk_filter.max_score},
    )
    if risk_filter.statuses:
        statement = statement.where(col(Risk.status).in_(risk_filter.statuses))
    if risk_filter.review_overdue is not None:
        overdue = review_overdue_clause()
        statement = statement.where(overdue if risk_filter.review_overdue else ~overdue)
    return (await session.exec(page.keyset(statement, Risk.id))).all()


async def list_risk_history(
    session: AsyncSession, risk: Risk, page: PageParams
) -> Sequence[RiskChange]:
    statement = select(RiskChange).where(
        RiskChange.risk_id == risk.id, RiskChange.organization_id == risk.organization_id
    )
    return (await session.exec(page.keyset(statement, RiskChange.id))).all()


def _require_mitigation_plan(response: RiskResponse, mitigation_plan: str | None) -> None:
    """A risk being mitigated says how: `mitigate` without a (non-blank) plan is a 422."""
    if response == RiskResponse.mitigate and not (mitigation_plan or "").strip():
        raise InvalidInput(
            "A risk whose response is `mitigate` needs a mitigation plan.",
            errors=[
                FieldProblem(
                    loc=["body", "mitigation_plan"],
                    message="Required when response is `mitigate`.",
                    type="missing",
                )
            ],
        )


def _record_change(session: AsyncSession, caller: Caller, risk: Risk) -> None:
    session.add(
        RiskChange(
            organization_id=risk.organization_id,
            risk_id=risk.id,
            probability=risk.probability,
            impact=risk.impact,
            score=risk.score,
            status=risk.status,
            changed_by_api_key_id=caller.api_key_id,
        )
    )


async def create_risk(
    session: AsyncSession,
    caller: Caller,
    project: Project,
    data: RiskCreate,
    *,
    change_request_id: UUID | None = None,
) -> Risk:
    """The score is the server's: probability × impact. The first line of history is written."""
    ensure_active(project)
    await require_members(session, caller, {"owner_id": data.owner_id})
    _require_mitigation_plan(data.response, data.mitigation_plan)
    risk = Risk(
        organization_id=caller.organization_id,
        project_id=project.id,
        score=data.probability * data.impact,
        change_request_id=change_request_id,
        **data.model_dump(),
    )
    session.add(risk)
    await session.flush()
    _record_change(session, caller, risk)
    await announce.created(session, risk)
    return risk


# What the register knows of a risk an assessment named in words: a medium score, to be
# reviewed the day the change is approved.
CHANGE_RISK_CATEGORY = RiskCategory.scope
CHANGE_RISK_PROBABILITY = 3
CHANGE_RISK_IMPACT = 3


async def raise_change_risks(
    session: AsyncSession, caller: Caller, project: Project, change_request: ChangeRequest
) -> list[Risk]:
    """The approved change's `new_risks` become open risks of its project, each linked to the
    change request (`change_request_id`), in category `scope`, probability 3 × impact 3,
    response `accept` and due for review today: the project manager rates and plans them."""
    titles = [title.strip() for title in change_request.new_risks if title.strip()]
    return [
        await create_risk(
            session,
            caller,
            project,
            RiskCreate(
                title=title,
                description=f"Raised by the approval of change request “{change_request.title}”.",
                category=CHANGE_RISK_CATEGORY,
                probability=CHANGE_RISK_PROBABILITY,
                impact=CHANGE_RISK_IMPACT,
                response=RiskResponse.accept,
                review_date=today(),
            ),
            change_request_id=change_request.id,
        )
        for title in titles
    ]


async def update_risk(session: AsyncSession, caller: Caller, risk: Risk, data: RiskUpdate) -> Risk:
    """Apply a merge patch. The score follows probability and impact; a change of either or of
    the status adds a line to the history; a text-only edit does not. A patch that changes
    nothing writes nothing (no version, no event)."""
    await active_project_of(session, risk)
    changes = new_values(risk, data.changes())
    if "owner_id" in changes:
        await require_members(session, caller, {"owner_id": changes["owner_id"]})
    _require_mitigation_plan(
        changes.get("response", risk.response),
        changes.get("mitigation_plan", risk.mitigation_plan),
    )
    if not changes:
        return risk
    old_score, old_status = risk.score, risk.status
    assign(risk, changes)
    risk.score = risk.probability * risk.impact
    await session.flush()
    if TRACKED & changes.keys():
        _record_change(session, caller, risk)
    await announce.updated(session, risk, changes, old_score=old_score, old_status=old_status)
    return risk


async def delete_risk(session: AsyncSession, risk: Risk) -> None:
    """The risk and its history go; the `risk.deleted` event stays in the feed."""
    await active_project_of(session, risk)  # the project before its rows deleted here
    await announce.deleted(session, risk)
    await session.delete(risk)
    await session.flush()
