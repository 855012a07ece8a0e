"""The events feed: an organization's events in order, for those who poll instead of listening."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.auth import Caller
from app.core.errors import FieldProblem, InvalidInput, NotFound
from app.core.filters import where_given
from app.core.pagination import PageParams
from app.core.tenancy import get_owned, owned_by
from app.events.catalogue import CATALOGUE, matching
from app.events.schemas import EventPublic, EventTypePublic
from app.models import Event

PREFIX = ".*"
# What the feed shows of an event, read without building ORM objects (pollers call it often),
# and its position for a sync pass's cursor (app/core/sync_pages.py).
_COLUMNS = [col(getattr(Event, name)) for name in EventPublic.model_fields]
_COLUMNS.append(col(Event.change_position))


class EventNotFound(NotFound):
    subject = "event"


async def get_event(session: AsyncSession, caller: Caller, event_id: UUID) -> Event:
    return await get_owned(session, caller, Event, event_id, EventNotFound)


def _type_condition(patterns: Sequence[str]) -> ColumnElement[bool]:
    """Exact types and prefixes (`risk.*`); each must name a type of the catalogue, so that a
    typo is a 422 rather than a feed that stays empty forever."""
    problems = [
        FieldProblem(
            loc=["query", "type", index],
            message=f"{pattern} names no event type; see GET /v1/event-types.",
            type="unknown_event_type",
        )
        for index, pattern in enumerate(patterns)
        if not matching(pattern)
    ]
    if problems:
        raise InvalidInput("Unknown event type in the `type` filter.", errors=problems)
    exact = [pattern for pattern in patterns if not pattern.endswith(PREFIX)]
    conditions: list[ColumnElement[bool]] = [col(Event.type).in_(exact)] if exact else []
    conditions += [
        col(Event.type).startswith(pattern.removesuffix("*"), autoescape=True)
        for pattern in patterns
        if pattern.endswith(PREFIX)
    ]
    return or_(*conditions)


async def list_events(
    session: AsyncSession,
    caller: Caller,
    page: PageParams,
    *,
    types: Sequence[str] = (),
    project_id: UUID | None = None,
    aggregate_id: UUID | None = None,
    since: datetime | None = None,
) -> Sequence[Any]:
    """A page of the organization's events in id order, which is the order they were recorded
    in (ids are UUIDv7); `since` compares with `occurred_at`."""
    statement = where_given(
        select(*_COLUMNS).where(owned_by(Event, caller)),
        {Event.project_id: project_id, Event.aggregate_id: aggregate_id},
        at_least={Event.occurred_at: since},
    )
    if types:
        statement = statement.where(_type_condition(types))
    return (await session.exec(page.keyset(statement, col(Event.id)))).all()


def event_types() -> list[EventTypePublic]:
    """The catalogue, as `GET /v1/event-types` shows it."""
    return [
        EventTypePublic(
            type=entry.name,
            description=entry.description,
            aggregate_types=entry.aggregate_types,
            payload_schema=entry.payload_ref,
            example=entry.example(),
        )
        for entry in CATALOGUE.values()
    ]
