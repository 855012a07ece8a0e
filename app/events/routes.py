"""The events feed: everything that happened, in order, for those who poll."""

from typing import Annotated
from uuid import UUID

from fastapi import Query
from pydantic import StringConstraints

from app.core.deps import SessionDep
from app.core.etag import NOT_MODIFIED, CacheCheckDep
from app.core.moments import Since
from app.core.routing import api_router
from app.core.sync_pages import SyncPageParams, sync_pages
from app.events import service
from app.events.deps import EventsReader, ReadableEvent
from app.events.schemas import EventPage, EventPublic, EventTypeList

MAX_TYPE_FILTERS = 50
# An event never changes after it is recorded: one version, one ETag, for ever.
EVENT_VERSION = 1

TypePattern = Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z_]+\.([a-z_]+|\*)$")]

SyncPages = Annotated[SyncPageParams, sync_pages("events")]

router = api_router("events")


@router.get("/v1/events")
async def list_events(
    session: SessionDep,
    caller: EventsReader,
    page: SyncPages,
    types: Annotated[
        list[TypePattern] | None,
        Query(
            alias="type",
            max_length=MAX_TYPE_FILTERS,
            description="Only these types (repeat the parameter): exact, like "
            "`milestone.missed`, or every type of a prefix, like `risk.*`. A type the "
            f"catalogue does not list is a 422. At most {MAX_TYPE_FILTERS}.",
        ),
    ] = None,
    project_id: Annotated[
        UUID | None, Query(description="Only the events of this project and its parts.")
    ] = None,
    aggregate_id: Annotated[
        UUID | None, Query(description="Only the events about this object (a risk, say).")
    ] = None,
    since: Annotated[
        Since | None,
        Query(
            description="Occurred at or after: a moment with a UTC offset (RFC 3339), or a "
            "date, read as the start of that day in UTC."
        ),
    ] = None,
    updated_since: Annotated[
        Since | None,
        Query(description="The same as `since`, as the other lists name it; the later wins."),
    ] = None,
) -> EventPage:
    """List the organization's events in the order they were recorded."""
    rows = await service.list_events(
        session,
        caller,
        page,
        types=types or (),
        project_id=project_id,
        aggregate_id=aggregate_id,
        since=max(filter(None, (since, updated_since)), default=None),
    )
    return page.page(rows, EventPage)


@router.get("/v1/events/{event_id}", responses=NOT_MODIFIED)
async def get_event(event: ReadableEvent, cache: CacheCheckDep) -> EventPublic:
    """Read one event."""
    cache.respond(EVENT_VERSION)
    return EventPublic.model_validate(event)


@router.get("/v1/event-types")
async def list_event_types(_: EventsReader) -> EventTypeList:
    """List every event type, with what it is about and an example payload."""
    return EventTypeList(items=service.event_types())
