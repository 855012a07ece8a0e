"""The handoff gate: a project whose brief waits for acceptance cannot leave `initiating`.

Projects made by hand, from before briefs existed, or from a template without the gate have no
waiting brief and are not held: a PM who creates a project by hand is its own handoff.
"""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import Conflict, FieldProblem
from app.handoffs.checklist import missing_items
from app.models import HandoffBrief, HandoffStatus, Project

WAITING = (HandoffStatus.draft, HandoffStatus.returned)


class HandoffNotAccepted(Conflict):
    slug = "handoff-not-accepted"


def missing_problems(brief: HandoffBrief) -> list[FieldProblem]:
    """One problem per required item still empty, so a client can point at each."""
    return [
        FieldProblem(loc=["handoff", item.value], message="required, still empty", type="missing")
        for item in missing_items(brief)
    ]


async def require_accepted(session: AsyncSession, project: Project) -> None:
    """Leaving `initiating` needs the brief accepted when it is waiting for it: a 409 that
    names the required items still empty."""
    found = await session.exec(select(HandoffBrief).where(HandoffBrief.project_id == project.id))
    brief = found.first()
    if brief is None or brief.status not in WAITING:
        return
    missing = missing_items(brief)
    named = f" Required items still empty: {', '.join(missing)}." if missing else ""
    raise HandoffNotAccepted(
        "The project manager has not accepted the handoff brief yet "
        f"(POST /v1/projects/{project.id}/handoff/accept).{named}",
        errors=missing_problems(brief),
    )
