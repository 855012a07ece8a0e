"""Everything a caller sees is its organization's: one way to load an object or 404."""

from typing import Any, Protocol, TypeVar
from uuid import UUID

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import NotFound


class Owned(Protocol):
    id: Any
    organization_id: Any


OwnedT = TypeVar("OwnedT", bound=Owned)


async def get_owned(
    session: AsyncSession,
    caller: Caller,
    model: type[OwnedT],
    object_id: UUID,
    not_found: type[NotFound],
) -> OwnedT:
    """The object if it exists in the caller's organization; otherwise `not_found` (a 404 that
    never says whether another organization has it)."""
    found = await session.exec(
        select(model).where(model.id == object_id, model.organization_id == caller.organization_id)
    )
    instance: OwnedT | None = found.first()
    if instance is None:
        raise not_found(f"No {not_found.subject} with that id in your organization.")
    return instance
