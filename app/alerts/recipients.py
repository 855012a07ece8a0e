"""Whom an alert names: the Accountable and Informed members of the project's RACI matrix."""

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Activity, Member, Project, RaciAssignment, RaciRole

Recipient = dict[str, Any]  # {"member_id", "name", "email"}


async def recipients(session: AsyncSession, project: Project) -> dict[str, list[Recipient]]:
    """`{"accountable": [...], "informed": [...]}` for the project, in one query.

    The letters of the activities of the project's current phase count; when that phase has
    none, those of all its activities. Each person appears once, under A if they are accountable
    for any of those activities, else under I. No RACI matrix: two empty lists.
    """
    rows = (
        await session.exec(
            select(Activity.phase, RaciAssignment.role, Member)
            .join(Activity, col(Activity.id) == col(RaciAssignment.activity_id))
            .join(Member, col(Member.id) == col(RaciAssignment.member_id))
            .where(
                Activity.project_id == project.id,
                Activity.organization_id == project.organization_id,
                col(RaciAssignment.role).in_([RaciRole.accountable, RaciRole.informed]),
            )
            .order_by(col(Activity.position), col(Activity.id), col(Member.id))
        )
    ).all()
    chosen = [row for row in rows if row[0] == project.phase] or list(rows)
    found: dict[RaciRole, dict[Any, Recipient]] = {
        RaciRole.accountable: {},
        RaciRole.informed: {},
    }
    for _phase, role, member in chosen:
        found[RaciRole(role)].setdefault(
            member.id, {"member_id": member.id, "name": member.name, "email": member.email}
        )
    accountable = found[RaciRole.accountable]
    informed = [
        person for key, person in found[RaciRole.informed].items() if key not in accountable
    ]
    return {"accountable": list(accountable.values()), "informed": informed}
