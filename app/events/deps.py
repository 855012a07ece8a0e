"""Load an event of the caller's organization, or 404; the scope the feed needs."""

from typing import Annotated

from fastapi import Depends

from app.core.auth import Caller, Scope, requires
from app.core.path_rows import path_row
from app.events.service import get_event
from app.models import Event

EventsReader = Annotated[Caller, requires(Scope.events_read)]

ReadableEvent = Annotated[Event, Depends(path_row(get_event, "event_id", EventsReader))]
