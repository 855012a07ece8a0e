"""The RACI matrix of a project: read as rows and columns ready to render, replaced as a whole."""

from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem
from app.members.service import require_members
from app.models import Activity, Member, Phase, Project, RaciAssignment, RaciRole
from app.models.base import utcnow
from app.projects.changes import claim_project
from app.raci.rules import Loc, check_rows
from app.raci.schemas import AssignmentInput, RaciColumn, RaciMatrix, RaciMatrixUpdate, RaciRow
from app.raci.service import (
    Letters,
    as_letters,
    letters_of,
    raci_changed,
    replace_letters,
    writable,
)

PHASE_ORDER = {phase: rank for rank, phase in enumerate(Phase)}


async def read_matrix(
    session: AsyncSession, caller: Caller, project: Project, member_id: UUID | None = None
) -> RaciMatrix:
    """Rows in phase order, then position; columns are the members with a letter in those rows,
    by name. With `member_id`, only the rows where that member has a letter, and which letter.
    Two queries whatever the size of the matrix (three with `member_id`)."""
    if member_id is not None:
        await require_members(session, caller, {"member_id": member_id}, location="query")
    activities = (
        await session.exec(select(Activity).where(Activity.project_id == project.id))
    ).all()
    cells = await session.exec(
        select(RaciAssignment.activity_id, RaciAssignment.member_id, RaciAssignment.role, Member)
        .join(Member, col(Member.id) == RaciAssignment.member_id)
        .join(Activity, col(Activity.id) == RaciAssignment.activity_id)
        .where(Activity.project_id == project.id)
    )
    letters: dict[UUID, Letters] = {activity.id: {} for activity in activities}
    members: dict[UUID, RaciColumn] = {}
    for activity_id, assigned_id, letter, member in cells:
        letters[activity_id][assigned_id] = RaciRole(letter)
        members[member.id] = RaciColumn(member_id=member.id, name=member.name, role=member.role)
    ordered = sorted(activities, key=lambda row: (PHASE_ORDER[row.phase], row.position, row.id))
    rows = [
        RaciRow(
            activity_id=activity.id,
            name=activity.name,
            phase=activity.phase,
            position=activity.position,
            cells=letters[activity.id],
            letter=None if member_id is None else letters[activity.id].get(member_id),
        )
        for activity in ordered
        if member_id is None or member_id in letters[activity.id]
    ]
    shown = {member for row in rows for member in row.cells}
    columns = sorted(
        (members[member] for member in shown), key=lambda column: (column.name, column.member_id)
    )
    return RaciMatrix(
        project_id=project.id,
        version=project.version,
        member_id=member_id,
        columns=columns,
        rows=rows,
    )


def _activity_problems(
    data: RaciMatrixUpdate, existing: set[UUID]
) -> tuple[list[FieldProblem], dict[UUID, Letters]]:
    """Unknown, repeated and missing activities; and the letters sent for the known ones."""
    problems: list[FieldProblem] = []
    sent: dict[UUID, Letters] = {}
    for index, item in enumerate(data.activities):
        loc: Loc = ["body", "activities", index, "activity_id"]
        if item.activity_id not in existing:
            problems.append(
                FieldProblem(
                    loc=loc,
                    message="No such activity in this project.",
                    type="unknown_reference",
                )
            )
        elif item.activity_id in sent:
            problems.append(
                FieldProblem(loc=loc, message="This activity is listed twice.", type="duplicate")
            )
        else:
            sent[item.activity_id] = as_letters(item.assignments)
    problems.extend(
        FieldProblem(
            loc=["body", "activities"],
            message=f"Activity {activity_id} is missing: send every activity of the project.",
            type="missing_activity",
        )
        for activity_id in sorted(existing - set(sent))
    )
    return problems, sent


async def replace_matrix(
    session: AsyncSession, caller: Caller, project: Project, data: RaciMatrixUpdate
) -> RaciMatrix:
    """Replace every letter of the project in one transaction. Everything is checked first —
    every activity of the project exactly once, each keeping the rules, members of the
    organization only — and one 422 lists every problem; then nothing is written. Activities
    whose letters change get a new version and are named in one `raci.changed` event."""
    writable(project)
    activities = {
        activity.id: activity
        for activity in (
            await session.exec(select(Activity).where(Activity.project_id == project.id))
        ).all()
    }
    problems, sent = _activity_problems(data, set(activities))
    rows: list[tuple[Loc, list[AssignmentInput]]] = [
        (["body", "activities", index, "assignments"], item.assignments)
        for index, item in enumerate(data.activities)
    ]
    await check_rows(session, caller, rows, problems)
    current = await letters_of(session, activities)
    changed = {
        activity_id: letters
        for activity_id, letters in sent.items()
        if letters != current[activity_id]
    }
    if changed:
        await claim_project(session, project)  # concurrent replacements: one wins whole
        await replace_letters(session, changed)
        for activity_id in changed:
            activities[activity_id].updated_at = utcnow()  # new letters, new version
        await session.flush()
        await raci_changed(session, project, list(changed))
    return await read_matrix(session, caller, project)
