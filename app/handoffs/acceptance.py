"""The project manager's answer to the brief: accepted before kickoff, or sent back to sales."""

from datetime import time

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import Conflict
from app.core.outbox import record_change
from app.handoffs.checklist import missing_items
from app.handoffs.gate import missing_problems
from app.handoffs.schemas import HandoffAccept, HandoffReturn
from app.handoffs.service import answered_brief, keep_version
from app.meetings.kickoff import propose_kickoff_meeting
from app.models import (
    HandoffBrief,
    HandoffStatus,
    Meeting,
    MeetingKind,
    Organization,
    Project,
    RiskResponse,
)
from app.models.base import today, utcnow
from app.project_templates.service import add_business_days, plan_of
from app.projects.lifecycle import ensure_active
from app.risks import service as risks
from app.risks.schemas import RiskCreate


class HandoffIncomplete(Conflict):
    slug = "handoff-incomplete"


class HandoffAlreadyAccepted(Conflict):
    slug = "handoff-already-accepted"


async def _propose_kickoff_if_none(
    session: AsyncSession, brief: HandoffBrief, project: Project
) -> None:
    """The kickoff follows acceptance: proposed within the template's window from today when no
    kickoff is planned (a cancelled one does not count)."""
    planned = await session.exec(
        select(Meeting.id).where(
            Meeting.project_id == project.id,
            Meeting.kind == MeetingKind.kickoff,
            Meeting.status.in_(("proposed", "scheduled", "held")),  # type: ignore[attr-defined]
        )
    )
    if planned.first() is not None:
        return
    plan = await plan_of(session, brief.project_template_id)
    organization = await session.get(Organization, project.organization_id)
    assert organization is not None
    await propose_kickoff_meeting(
        session,
        project,
        add_business_days(today(), plan.kickoff_within_business_days),
        time_zone=organization.time_zone,
        local_time=time(organization.default_meeting_hour),
    )


async def accept_brief(
    session: AsyncSession, caller: Caller, project: Project, data: HandoffAccept
) -> HandoffBrief:
    """Accept the brief (409 while a required item is empty, or when already accepted): who and
    when, the time from the deal's win, a kickoff proposed if none is planned, the brief's risks
    in the register if asked, and `handoff.accepted`."""
    ensure_active(project)
    brief = await answered_brief(session, project)
    if brief.status is HandoffStatus.accepted:
        raise HandoffAlreadyAccepted("The handoff brief is already accepted.")
    if missing_items(brief):
        raise HandoffIncomplete(
            f"Required items are still empty: {', '.join(missing_items(brief))}.",
            errors=missing_problems(brief),
        )
    now = utcnow()
    brief.status = HandoffStatus.accepted
    brief.accepted_at = now
    brief.accepted_by_api_key_id = caller.api_key_id
    if brief.won_at is not None:
        brief.won_to_accepted_seconds = max(0, int((now - brief.won_at).total_seconds()))
    brief.updated_at = now
    await session.flush()
    await keep_version(session, brief, caller.api_key_id, "accepted", [])
    carried = []
    if data.carry_risks:
        for item in brief.risks:
            risk = await risks.create_risk(
                session,
                caller,
                project,
                RiskCreate.model_validate({**item, "response": RiskResponse.accept}),
            )
            carried.append(risk.id)
    await _propose_kickoff_if_none(session, brief, project)
    await record_change(
        session,
        "handoff.accepted",
        brief,
        {
            "accepted_at": now,
            "won_to_accepted_seconds": brief.won_to_accepted_seconds,
            "carried_risk_ids": carried,
        },
    )
    return brief


async def return_brief(
    session: AsyncSession, caller: Caller, project: Project, data: HandoffReturn
) -> HandoffBrief:
    """Send the brief back to sales with the project manager's questions: `handoff.returned`
    names the sales owner, whom it is for. An accepted brief is not returned (409)."""
    ensure_active(project)
    brief = await answered_brief(session, project)
    if brief.status is HandoffStatus.accepted:
        raise HandoffAlreadyAccepted("The handoff brief is accepted: it cannot be returned.")
    now = utcnow()
    brief.status = HandoffStatus.returned
    brief.returned_at = now
    brief.return_reason = data.reason
    brief.updated_at = now
    await session.flush()
    await keep_version(session, brief, caller.api_key_id, "returned", [])
    await record_change(
        session,
        "handoff.returned",
        brief,
        {
            "returned_at": now,
            "reason": data.reason,
            "sales_owner_id": project.sales_owner_id,
            "project_manager_id": project.project_manager_id,
        },
    )
    return brief
