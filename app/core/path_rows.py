"""The row a path names (`/v1/risks/{risk_id}`), loaded for the caller's organization.

Every domain loads its rows the same way: the caller, with the read or the write scope, then
the row of the caller's organization or the domain's 404. One function makes that dependency
for each, so a domain's `deps.py` says only which row, which id and which scope.

A request that changes or removes the row itself names the version it read (`If-Match`).
`if_match=True` has it checked against the row before the endpoint runs (by the route class,
once the body is found valid): a stale write is a 412 without a line in the route. Rows loaded
as the parent of a new one (`POST …/risks` loading its project) do not take `If-Match`; their
contract has no such header.
"""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.deps import SessionDep
from app.core.etag import WriteCheckDep

Row = TypeVar("Row")
Load = Callable[[AsyncSession, Caller, UUID], Awaitable[Row]]


def path_row(
    load: Load[Row], id_name: str, caller: Any, *, if_match: bool = False
) -> Callable[..., Awaitable[Row]]:
    """The dependency loading the row `{id_name}` names with `load(session, caller, id)`;
    `caller` is the scope's alias (`ProjectsWriter`). Use it through an alias:
    `ReadableRisk = Annotated[Risk, Depends(path_row(get_risk, "risk_id", ProjectsReader))]`.
    """

    async def load_row(**arguments: Any) -> Row:
        row = await load(arguments["session"], arguments["caller"], arguments[id_name])
        if if_match:
            arguments["precondition"].expect(row.version)  # type: ignore[attr-defined]
        return row

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("session", keyword, annotation=SessionDep),
        inspect.Parameter("caller", keyword, annotation=caller),
        inspect.Parameter(id_name, keyword, annotation=UUID),
    ]
    if if_match:
        parameters.append(inspect.Parameter("precondition", keyword, annotation=WriteCheckDep))
    load_row.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    load_row.__name__ = f"load_{id_name.removesuffix('_id')}"
    return load_row
