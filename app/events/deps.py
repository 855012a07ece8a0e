"""Load an event of the caller's organization, or 404; the scope the feed needs."""

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.deps import SessionDep
from app.events import service
from app.models import Event

EventsReader = Annotated[Caller, requires(Scope.events_read)]


async def _readable_event(session: SessionDep, caller: EventsReader, event_id: UUID) -> Event:
    return await service.get_event(session, caller, event_id)


ReadableEvent = Annotated[Event, Depends(_readable_event)]
