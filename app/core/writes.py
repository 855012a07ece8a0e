"""Writing a row: what a merge patch changes, setting it, and the flush whose refused
constraint is the domain's conflict."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import DomainError


def new_values(row: object, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes that give a field another value: sending a field's current value changes
    nothing, so a patch that changes nothing writes nothing (no new version, no event)."""
    return {field: value for field, value in changes.items() if getattr(row, field) != value}


def assign(row: object, values: Mapping[str, Any]) -> None:
    """Set each field of the row to its value (a merge patch's changes, checked before)."""
    for field, value in values.items():
        setattr(row, field, value)


async def flush_or(session: AsyncSession, error: DomainError) -> None:
    """Flush; a constraint the database refuses (a unique name, a row still referenced) is
    `error`, the rule in the domain's words, instead of a 500."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise error from exc
