"""The outbox writer: `record_event` adds an event to the caller's transaction.

Nothing is sent from a request. The event, and one delivery row per webhook endpoint that wants
it, commit (or roll back) with the change that caused them; the webhook dispatcher and the
`/v1/events` feed read the stored payload later.
"""

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Event, WebhookDelivery, WebhookEndpoint
from app.models.base import new_id, utcnow


def _json_default(value: Any) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)  # UUID, Decimal, StrEnum


async def record_event(
    session: AsyncSession,
    *,
    organization_id: UUID,
    type: str,
    aggregate_type: str,
    aggregate_id: UUID,
    data: dict[str, Any],
    aggregate_version: int | None = None,
    project_id: UUID | None = None,
    only_endpoint_id: UUID | None = None,
) -> Event:
    """Record that `type` happened to an aggregate, in the current transaction.

    `data` carries ids, the changed fields and the aggregate's version, so a consumer can drop
    stale updates. The payload is serialised here, once; its bytes never change afterwards.
    `only_endpoint_id` delivers to that endpoint alone (the `webhook.test` event).
    """
    occurred_at = utcnow()
    body = {
        "type": type,
        "timestamp": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": {
            f"{aggregate_type}_id": aggregate_id,
            "version": aggregate_version,
            **({"project_id": project_id} if project_id and aggregate_type != "project" else {}),
            **data,
        },
    }
    event = Event(
        id=new_id(),
        organization_id=organization_id,
        type=type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=aggregate_version,
        project_id=project_id,
        occurred_at=occurred_at,
        payload=json.dumps(body, default=_json_default, separators=(",", ":")).encode(),
    )
    session.add(event)
    await _fan_out(session, event, only_endpoint_id)
    for listener in _LISTENERS:
        await listener(session, event)
    return event


Listener = Callable[[AsyncSession, Event], Awaitable[None]]
_LISTENERS: list[Listener] = []


def on_event_recorded(listener: Listener) -> Listener:
    """Call `listener` with every event recorded, in the event's transaction: a domain that
    keeps an outbox of its own (CRM write-backs) adds its rows with the change, as `_fan_out`
    adds webhook deliveries. Core knows no domain: the domain registers itself."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


_ENDPOINTS = "handover.enabled_webhook_endpoints"  # in `session.info`, by organization

Endpoints = list[tuple[UUID, Sequence[Any]]]  # id, the event types it takes (empty: all)


async def _enabled_endpoints(
    session: AsyncSession, organization_id: UUID, only_endpoint_id: UUID | None
) -> Endpoints:
    """The organization's enabled endpoints and their filters, read once per transaction: a
    deal planned from a template records a dozen events. Forgotten when the session writes an
    endpoint, and when the transaction ends."""
    statement = select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
        WebhookEndpoint.organization_id == organization_id,
        WebhookEndpoint.enabled == True,  # noqa: E712 - SQL
    )
    if only_endpoint_id is not None:
        return list(
            (await session.exec(statement.where(WebhookEndpoint.id == only_endpoint_id))).all()
        )
    kept: dict[UUID, Endpoints] = session.info.setdefault(_ENDPOINTS, {})
    if organization_id not in kept:
        kept[organization_id] = list((await session.exec(statement)).all())
    return kept[organization_id]


@sqlalchemy_event.listens_for(Session, "before_flush")
def _forget_endpoints_written(session: Session, _context: Any, _instances: Any) -> None:
    written = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, WebhookEndpoint) for row in written):
        session.info.pop(_ENDPOINTS, None)


@sqlalchemy_event.listens_for(Session, "after_transaction_end")
def _forget_endpoints_at_the_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the session's transaction, not a flush's inside it
        session.info.pop(_ENDPOINTS, None)


async def _fan_out(session: AsyncSession, event: Event, only_endpoint_id: UUID | None) -> None:
    """One pending delivery per enabled endpoint whose filter takes this type (none = all)."""
    endpoints = await _enabled_endpoints(session, event.organization_id, only_endpoint_id)
    for endpoint_id, event_types in endpoints:
        if not event_types or event.type in event_types or only_endpoint_id is not None:
            session.add(
                WebhookDelivery(
                    organization_id=event.organization_id,
                    event_id=event.id,
                    endpoint_id=endpoint_id,
                    next_attempt_at=event.occurred_at,
                )
            )


class Aggregate(Protocol):
    """A row events are about: it has an id, an organization and a version."""

    id: UUID
    organization_id: UUID
    version: int


async def record_change(
    session: AsyncSession,
    type: str,
    aggregate: Aggregate,
    data: dict[str, Any],
    *,
    aggregate_type: str | None = None,
    version: int | None = None,
) -> Event:
    """`record_event` for a row: the aggregate type is the event type's prefix
    (`risk.created` → `risk`) unless given; the project is the row's own or the row itself."""
    kind = aggregate_type or type.split(".", 1)[0]
    project_id = aggregate.id if kind == "project" else getattr(aggregate, "project_id", None)
    return await record_event(
        session,
        organization_id=aggregate.organization_id,
        type=type,
        aggregate_type=kind,
        aggregate_id=aggregate.id,
        aggregate_version=aggregate.version if version is None else version,
        project_id=project_id,
        data=data,
    )
