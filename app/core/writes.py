"""Writing a row: what a merge patch changes, setting it, its new version before its lists,
the rows it reads locked before its checks or names kept until it commits, and the flush whose
refused constraint is the domain's conflict."""

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import DomainError
from app.models.base import Timestamped, utcnow


def new_values(row: object, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes that give a field another value: sending a field's current value changes
    nothing, so a patch that changes nothing writes nothing (no new version, no event)."""
    return {field: value for field, value in changes.items() if getattr(row, field) != value}


def assign(row: object, values: Mapping[str, Any]) -> None:
    """Set each field of the row to its value (a merge patch's changes, checked before)."""
    for field, value in values.items():
        setattr(row, field, value)


async def claim(session: AsyncSession, row: Timestamped) -> None:
    """Give the row its new version now, before replacing the lists stored beside it (a
    milestone's dependencies, a lesson's tags, a project's parts).

    The version's UPDATE holds the row until commit and checks the version this transaction
    read: a concurrent writer of the same row waits, then finds its version stale (a 412),
    instead of inserting the same keys as ours (a 500) or mixing its rows with ours."""
    row.updated_at = utcnow()
    await session.flush()


Statement = TypeVar("Statement", bound=Select[*tuple[Any, ...]])  # of any columns


def locked(statement: Statement) -> Statement:
    """`statement`, its rows locked until commit as the UPDATE that follows locks them (FOR NO
    KEY UPDATE: rows naming them keep their keys meanwhile) and read again once locked.

    For a write whose checks read the row's state (already signed off? already accepted?): a
    concurrent writer of the same row is waited for, and its write is what the checks see (the
    domain's 409, or nothing to do), instead of a stale version at the UPDATE (a 412, or a 500
    where the failure cannot be answered)."""
    return statement.with_for_update(key_share=True).execution_options(populate_existing=True)


def referenced(statement: Statement) -> Statement:
    """`statement`, its rows kept until commit for the write that names them (FOR KEY SHARE, the
    lock its foreign key takes anyway): a concurrent deletion waits for the write and is then
    refused as still referenced, or went first and the row is not found (the write's 422),
    instead of the write failing on its foreign key (a 500). Edits of the rows do not wait."""
    return statement.with_for_update(read=True, key_share=True)


async def flush_or(session: AsyncSession, error: DomainError) -> None:
    """Flush; a constraint the database refuses (a unique name, a row still referenced) is
    `error`, the rule in the domain's words, instead of a 500."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise error from exc
