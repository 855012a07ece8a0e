"""Which changes sales should see, turned into write-backs in the change's own transaction.

A listener on every recorded event (`app.core.outbox.on_event_recorded`): an event about a
project that came from a CRM deal, whose connection writes back, adds
- a **fields** write-back: the deal's delivery fields are due for an update. A burst of changes
  adds one row: a change finds the deal's pending row not yet in flight and counts itself in it;
  the state sent is computed when the row is sent, so it carries every change before it;
- a **note** for the moments worth a line on the deal's timeline (milestone done or missed,
  health turning red, a status report published, a change request approved). The note is written
  now, from the change, with nothing the connection did not agree to show: a milestone's name,
  the report's customer summary, a change request's title; never risk texts, budgets or the
  report's internal text.
"""

import json
from typing import Any
from uuid import UUID

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.leases import unleased
from app.core.outbox import on_event_recorded
from app.models import (
    ChangeRequest,
    CrmConnection,
    CrmWriteback,
    Deal,
    Event,
    Milestone,
    StatusReport,
    WritebackKind,
    WritebackScope,
    WritebackStatus,
)
from app.models.base import utcnow

FIELD_EVENTS = frozenset(
    {
        "deal.won",
        "project.updated",
        "project.phase_changed",
        "project.health_changed",
        "project.archived",
        "milestone.created",
        "milestone.updated",
        "milestone.completed",
        "milestone.missed",
        "milestone.deleted",
        "risk.created",
        "risk.updated",
        "risk.escalated",
        "risk.occurred",
        "risk.closed",
        "risk.deleted",
        "survey.response_received",
        "change_request.approved",
    }
)
NOTE_EVENTS = frozenset(
    {
        "milestone.completed",
        "milestone.missed",
        "project.health_changed",
        "status_report.published",
        "change_request.approved",
    }
)
NOTE_LENGTH = 5000
_WRITING_ORGANIZATIONS = "handover.writeback_organizations"  # in `session.info`


async def _writes_back(session: AsyncSession, organization_id: UUID) -> bool:
    """Whether any connection of the organization writes back: read once per transaction, so
    that the dozen events of a planned deal cost one query in an organization without it."""
    known: dict[UUID, bool] = session.info.setdefault(_WRITING_ORGANIZATIONS, {})
    if organization_id not in known:
        found = await session.exec(
            select(CrmConnection.id)
            .where(
                CrmConnection.organization_id == organization_id,
                CrmConnection.writeback_enabled == True,  # noqa: E712 - SQL
            )
            .limit(1)
        )
        known[organization_id] = found.first() is not None
    return known[organization_id]


@sqlalchemy_event.listens_for(Session, "before_flush")
def _forget_when_connections_change(session: Session, _context: Any, _instances: Any) -> None:
    written = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(row, CrmConnection) for row in written):
        session.info.pop(_WRITING_ORGANIZATIONS, None)


@sqlalchemy_event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_WRITING_ORGANIZATIONS, None)


async def _note(session: AsyncSession, event: Event, data: dict[str, Any]) -> str | None:
    """The line the deal's timeline gets for this event, or None when it is not a moment."""
    if event.type == "milestone.completed":
        milestone = await session.get(Milestone, event.aggregate_id)
        name = milestone.name if milestone else "A milestone"
        return f"Milestone done: {name} (completed {data.get('completed_date')})."
    if event.type == "milestone.missed":
        milestone = await session.get(Milestone, event.aggregate_id)
        name = milestone.name if milestone else "A milestone"
        return f"Milestone missed: {name} (was due {data.get('due_date')})."
    if event.type == "project.health_changed":
        return "Delivery health turned red." if data.get("to") == "red" else None
    if event.type == "status_report.published":
        report = await session.get(StatusReport, event.aggregate_id)
        summary = (report.customer_summary or "").strip() if report else ""
        return f"Status report published.\n\n{summary}".strip()
    if event.type == "change_request.approved":
        change = await session.get(ChangeRequest, event.aggregate_id)
        return f"Change request approved: {change.title if change else data.get('title')}."
    return None


@on_event_recorded
async def produce(session: AsyncSession, event: Event) -> None:
    """The write-backs this event calls for, added to its transaction."""
    wanted_fields = event.type in FIELD_EVENTS
    if event.project_id is None or not (wanted_fields or event.type in NOTE_EVENTS):
        return
    if not await _writes_back(session, event.organization_id):
        return
    targets = (
        await session.exec(
            select(Deal.id, Deal.external_id, CrmConnection.id, CrmConnection.writeback_scope)
            .join(CrmConnection, col(CrmConnection.id) == Deal.connection_id)
            .where(
                Deal.organization_id == event.organization_id,
                Deal.project_id == event.project_id,
                CrmConnection.writeback_enabled == True,  # noqa: E712 - SQL
            )
        )
    ).all()
    if not targets:
        return
    data = json.loads(event.payload)["data"]
    note = await _note(session, event, data) if event.type in NOTE_EVENTS else None
    for deal_id, external_id, connection_id, scope in targets:
        base: dict[str, Any] = {
            "organization_id": event.organization_id,
            "connection_id": connection_id,
            "deal_id": deal_id,
            "project_id": event.project_id,
            "crm_record_id": external_id,
            "event_type": event.type,
        }
        if wanted_fields and scope is not WritebackScope.notes:
            await fields_due(session, base)
        if note is not None and scope is not WritebackScope.fields:
            session.add(CrmWriteback(**base, kind=WritebackKind.note, note=note[:NOTE_LENGTH]))


async def fields_due(session: AsyncSession, values: dict[str, Any]) -> None:
    """The deal's pending fields write-back not yet in flight carries this change too (it is
    computed when sent); else a new one. Two transactions racing may both add one: the
    dispatcher that claims the deal takes both, sends one update and marks the other
    superseded. The count is taken only while the write-back is still not in flight: one a
    dispatcher leased since it was read may already have read the state it sends, without this
    change, which then waits in a write-back of its own."""
    now = utcnow()
    not_in_flight = unleased(CrmWriteback, now)
    waiting = (
        await session.exec(
            select(CrmWriteback.id)
            .where(
                CrmWriteback.deal_id == values["deal_id"],
                CrmWriteback.kind == WritebackKind.fields,
                CrmWriteback.status == WritebackStatus.pending,
                not_in_flight,
            )
            .limit(1)
        )
    ).first()
    if waiting is not None:
        counted = await session.exec(
            update(CrmWriteback)
            .where(
                col(CrmWriteback.id) == waiting,
                col(CrmWriteback.status) == WritebackStatus.pending,
                not_in_flight,
            )
            .values(changes=CrmWriteback.changes + 1)
        )
        if counted.rowcount == 1:
            return
    session.add(CrmWriteback(**values, kind=WritebackKind.fields, created_at=now))
