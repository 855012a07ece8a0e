"""The rules of one RACI row: exactly one A, at least one R, each member at most once, members of
the caller's organization only. Checked in full before anything is written, so a 422 lists every
broken rule at once."""

from collections.abc import Sequence
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput
from app.members.service import require_members
from app.models import RaciRole
from app.raci.schemas import AssignmentInput

Loc = list[str | int]


class InvalidRaci(InvalidInput):
    """A 422 `invalid-input` whose `errors[].type` says which rule: `no_accountable`,
    `multiple_accountable`, `no_responsible`, `duplicate_member`, `unknown_reference`…"""


def row_problems(assignments: Sequence[AssignmentInput], loc: Loc) -> list[FieldProblem]:
    """What is wrong with one activity's letters (`loc` points at its `assignments`)."""
    problems: list[FieldProblem] = []
    seen: set[UUID] = set()
    for index, assignment in enumerate(assignments):
        if assignment.member_id in seen:
            problems.append(
                FieldProblem(
                    loc=[*loc, index, "member_id"],
                    message="This member already has a letter for this activity.",
                    type="duplicate_member",
                )
            )
        seen.add(assignment.member_id)
    accountable = sum(1 for item in assignments if item.role is RaciRole.accountable)
    if accountable == 0:
        problems.append(
            FieldProblem(loc=loc, message="Exactly one A is needed; none.", type="no_accountable")
        )
    elif accountable > 1:
        problems.append(
            FieldProblem(
                loc=loc,
                message=f"Exactly one A is needed; {accountable} given.",
                type="multiple_accountable",
            )
        )
    if not any(item.role is RaciRole.responsible for item in assignments):
        problems.append(
            FieldProblem(loc=loc, message="At least one R is needed.", type="no_responsible")
        )
    return problems


def _with_indexes(loc: Sequence[str | int]) -> Loc:
    return [int(part) if isinstance(part, str) and part.isdigit() else part for part in loc]


async def member_problems(
    session: AsyncSession, caller: Caller, rows: Sequence[tuple[Loc, Sequence[AssignmentInput]]]
) -> list[FieldProblem]:
    """Members not in the caller's organization, each named by its place in the body (one query)."""
    fields: dict[str, UUID | None] = {
        ".".join(str(part) for part in [*loc[1:], index, "member_id"]): assignment.member_id
        for loc, assignments in rows
        for index, assignment in enumerate(assignments)
    }
    try:
        await require_members(session, caller, fields)
    except InvalidInput as exc:
        return [
            problem.model_copy(update={"loc": _with_indexes(problem.loc)})
            for problem in exc.errors or []
        ]
    return []


async def check_rows(
    session: AsyncSession,
    caller: Caller,
    rows: Sequence[tuple[Loc, Sequence[AssignmentInput]]],
    problems: list[FieldProblem] | None = None,
) -> None:
    """Every row keeps the rules and names only members of the organization, or one 422 with all
    of it (plus `problems` already found by the caller)."""
    found = list(problems or [])
    for loc, assignments in rows:
        found.extend(row_problems(assignments, loc))
    found.extend(await member_problems(session, caller, rows))
    if found:
        raise InvalidRaci(
            "The RACI rules are broken: exactly one A and at least one R per activity, each "
            "member at most once, members of your organization only.",
            errors=found,
        )
