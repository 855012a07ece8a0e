"""Everything a caller sees is its organization's: one way to scope a query, one way to load an
object or 404."""

from typing import Any, Protocol, TypeVar
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.core.auth import Caller
from app.core.errors import NotFound
from app.core.writes import locked


class Owned(Protocol):
    id: Any
    organization_id: Any


class PartOfProject(Protocol):
    organization_id: Any
    project_id: Any


OwnedT = TypeVar("OwnedT", bound=Owned)
PartT = TypeVar("PartT", bound=PartOfProject)


def owned_by(model: type[Owned], caller: Caller) -> Any:
    """The condition that keeps a table's rows to the caller's organization."""
    return model.organization_id == caller.organization_id


def owned_select(model: type[OwnedT], caller: Caller) -> SelectOfScalar[OwnedT]:
    """The caller's organization's rows of a table: where every query for a caller starts."""
    return select(model).where(owned_by(model, caller))


def project_select(model: type[PartT], project: Owned) -> SelectOfScalar[PartT]:
    """The rows of one project, within the project's organization (the project was loaded for
    a caller, or for a share link, so it names the organization)."""
    return select(model).where(
        model.organization_id == project.organization_id, model.project_id == project.id
    )


async def get_owned(
    session: AsyncSession,
    caller: Caller,
    model: type[OwnedT],
    object_id: UUID,
    not_found: type[NotFound],
    *,
    lock: bool = False,
) -> OwnedT:
    """The object if it exists in the caller's organization; otherwise `not_found` (a 404 that
    never says whether another organization has it). With `lock`, the row is read with core's
    `locked()`, for a write of the row whose other writers it should wait for."""
    statement = owned_select(model, caller).where(model.id == object_id)
    found = await session.exec(locked(statement) if lock else statement)
    instance: OwnedT | None = found.first()
    if instance is None:
        raise not_found(f"No {not_found.subject} with that id in your organization.")
    return instance
