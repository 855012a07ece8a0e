"""The write-back dispatcher: claims due write-backs, sends them, records the CRM's answer.

Like the webhook dispatcher (app/webhooks/dispatcher.py), never a transaction across network I/O:
1. `claim_due` (app/crm/writeback/claim.py) leases due write-backs and commits. A fields
   write-back is due once its coalescing window (`HANDOVER_CRM_WRITEBACK_WINDOW_SECONDS`) has
   passed since the first change it carries, and only while no update of its deal is in flight;
   the claim takes the deal's other waiting fields write-backs with it.
2. `deliver` reads, in one transaction, the write-backs it still holds and then the projects'
   delivery state: the latest, whatever change called for it. It sends one update per deal
   (HubSpot: 100 deals a call), outside any transaction.
3. It records each answer on the write-backs it still holds: sent, retried later with backoff
   (the webhook schedule, at least the CRM's `Retry-After`), or failed for good (refused, or
   `HANDOVER_CRM_WRITEBACK_MAX_ATTEMPTS`); the deal's other write-backs of the claim are
   `superseded` by it. The lease is renewed while the CRMs answer, and a write-back taken over
   all the same (a stalled process) before it was sent is not sent (`still_holds`): it is the
   new holder's. One taken over while its update was on its way may have landed after another
   dispatcher's newer one: its deal gets one more update, with the latest state.
"""

import asyncio
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import structlog
from sqlalchemy import and_, update
from sqlmodel import col, select

from app.core.leases import Lease, renewing, still_holds
from app.core.rounds import run_rounds
from app.crm.clients.http import crm_http_client, shared_http
from app.crm.service import api_access
from app.crm.writeback import produce
from app.crm.writeback.claim import claim_due
from app.crm.writeback.fields import field_map
from app.crm.writeback.state import delivery_states
from app.crm.writeback.writers import Sent, Writer, writer_for
from app.db import Database
from app.models import CrmConnection, CrmWriteback, WritebackKind, WritebackStatus
from app.models.base import utcnow
from app.settings import Settings

logger = structlog.get_logger("handover.crm")

# Whether this dispatcher still holds a write-back, asked right before it is sent.
Holds = Callable[[UUID], Awaitable[bool]]

JITTER = 0.2
MAX_RETRY_AFTER_SECONDS = 24 * 3600


def project_url(connection: CrmConnection, settings: Settings, project_id: UUID) -> str | None:
    """The project's link on the deal: the connection's template (the API's or a PM tool's
    URL), else this service's project URL; never a customer share link."""
    if connection.writeback_project_url:
        return connection.writeback_project_url.replace("{project_id}", str(project_id))
    if settings.public_base_url:
        return f"{settings.public_base_url.rstrip('/')}/v1/projects/{project_id}"
    return None


def retry_delay(settings: Settings, attempts: int, retry_after: float | None) -> float | None:
    """Seconds before the next attempt after `attempts` failures, or None: give up."""
    if attempts >= settings.crm_writeback_max_attempts:
        return None
    schedule = settings.retry_delays or [5.0]
    delay = schedule[min(attempts, len(schedule)) - 1] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


async def deliver(database: Database, client: httpx.AsyncClient, claim: Lease) -> None:
    """Send claimed write-backs: one read before, one write after, none between."""
    settings = database.settings
    async with database.transaction(write=False) as session:
        rows = (
            await session.exec(
                select(CrmWriteback).where(
                    claim.held(CrmWriteback), CrmWriteback.status == WritebackStatus.pending
                )
            )
        ).all()
        connections = {
            connection.id: connection
            for connection in (
                await session.exec(
                    select(CrmConnection).where(
                        col(CrmConnection.id).in_({row.connection_id for row in rows})
                    )
                )
            ).all()
        }
        urls = {
            row.project_id: project_url(connections[row.connection_id], settings, row.project_id)
            for row in rows
            if row.kind is WritebackKind.fields
        }
        states = await delivery_states(session, urls)
    by_connection: dict[UUID, list[CrmWriteback]] = defaultdict(list)
    for row in rows:
        by_connection[row.connection_id].append(row)
    holds = partial(still_holds, database, CrmWriteback, claim)
    async with renewing(database, CrmWriteback, claim):  # however long the CRMs take
        results = await asyncio.gather(
            *(
                _alone(batch, _send(database, client, connections[key], batch, states, holds))
                for key, batch in by_connection.items()
            )
        )
    outcomes = {row_id: sent for result in results for row_id, sent in result.items()}
    async with database.transaction() as session:
        await _record(session, settings, claim, rows, outcomes, _leads(rows))


def _leads(rows: Any) -> dict[UUID, UUID]:
    """The write-backs each deal's update carries (the claim's others of the deal, whose changes
    the state sent includes): covered id → the id of the one sent."""
    lead_of_deal: dict[UUID, UUID] = {}
    leads: dict[UUID, UUID] = {}
    for row in rows:
        if row.kind is not WritebackKind.fields:
            continue
        if row.deal_id in lead_of_deal:
            leads[row.id] = lead_of_deal[row.deal_id]
        else:
            lead_of_deal[row.deal_id] = row.id
    return leads


async def _alone(
    rows: list[CrmWriteback], sending: Awaitable[dict[UUID, Sent]]
) -> dict[UUID, Sent]:
    """One connection's `_send`, its unexpected trouble kept to its own write-backs (tried again
    on the schedule): the batch carries other tenants' connections, whose answers must still be
    recorded, or their updates and notes would be sent again after every lease."""
    try:
        return await sending
    except Exception as exc:
        logger.exception("write-back failed unexpectedly", connection=str(rows[0].connection_id))
        failed = Sent(False, None, f"unexpected error: {type(exc).__name__} (see the worker's log)")
        return {row.id: failed for row in rows}


async def _send(
    database: Database,
    client: httpx.AsyncClient,
    connection: CrmConnection,
    rows: list[CrmWriteback],
    states: dict[UUID, dict[str, Any]],
    holds: Holds,
) -> dict[UUID, Sent]:
    """One connection's write-backs: its fields in as few calls as its CRM allows, its notes.
    Only those this dispatcher still `holds` when their turn comes are sent (and answered)."""
    access = api_access(connection, database.settings) if connection.writeback_enabled else None
    if access is None:
        refused = Sent(
            False, None, "Write-back is off, or the connection has no api_token.", final=True
        )
        return {row.id: refused for row in rows}
    mapping = field_map(connection)
    writer = writer_for(shared_http(access, database, client), mapping)
    outcomes: dict[UUID, Sent] = {}
    fields: dict[str, CrmWriteback] = {}
    for row in rows:
        if row.kind is WritebackKind.fields and row.crm_record_id not in fields:
            fields[row.crm_record_id] = row
    if fields and not mapping:
        skipped = Sent(True, None, "No field is mapped: nothing to write.")
        outcomes.update({row.id: skipped for row in fields.values()})
    elif fields:
        held = {deal_id: row for deal_id, row in fields.items() if await holds(row.id)}
        if held:
            answered = await writer.write_fields(
                {deal_id: states.get(row.project_id, {}) for deal_id, row in held.items()}
            )
            outcomes.update({row.id: answered[deal_id] for deal_id, row in held.items()})
    notes = [row for row in rows if row.kind is WritebackKind.note]
    sent_notes = await asyncio.gather(*(_note(writer, row, holds) for row in notes))
    outcomes.update(
        {row.id: sent for row, sent in zip(notes, sent_notes, strict=True) if sent is not None}
    )
    return outcomes


async def _note(writer: Writer, row: CrmWriteback, holds: Holds) -> Sent | None:
    """The note on the deal's timeline, unless it was taken over while the fields were sent."""
    if not await holds(row.id):
        return None
    return await writer.write_note(row.crm_record_id, row.note or "")


async def _record(
    session: Any,
    settings: Settings,
    claim: Lease,
    rows: Any,
    outcomes: dict[UUID, Sent],
    leads: dict[UUID, UUID],
) -> None:
    """The answers, written only on the rows that still hold the claim's lease: a dispatcher
    whose lease ran out and was taken over leaves its successor's record alone."""
    now = utcnow()
    held = and_(col(CrmWriteback.status) == WritebackStatus.pending, claim.held(CrmWriteback))
    overtaken = []  # sent, but taken over meanwhile: another dispatcher may have sent since
    for row in rows:
        sent = outcomes.get(row.id)
        if sent is None:  # a second row of a deal (the first one's update carries it), or unsent
            if row.id not in leads:
                logger.warning("write-back not held when its turn came", writeback=str(row.id))
            continue
        # held by a pause, nothing was tried: the attempts, and so the giving up, stay as they were
        attempts = row.attempt_count + 1 if sent.asked else row.attempt_count
        values: dict[str, Any] = {
            "attempt_count": attempts,
            "lease_until": None,
            "status_code": sent.status_code,
            "crm_answer": sent.answer[:2000] if sent.answer else None,
            "sent_body": sent.body,
        }
        if sent.ok:
            skipped = sent.status_code is None
            values.update(
                status=WritebackStatus.skipped if skipped else WritebackStatus.sent, sent_at=now
            )
        else:
            if sent.final:
                delay = None
            elif not sent.asked:  # its turn comes when the pause ends
                delay = min(sent.retry_after or 0.0, MAX_RETRY_AFTER_SECONDS)
            else:
                delay = retry_delay(settings, attempts, sent.retry_after)
            if delay is None:
                values["status"] = WritebackStatus.failed
            else:
                values["next_attempt_at"] = now + timedelta(seconds=delay)
        recorded = await session.exec(
            update(CrmWriteback).where(col(CrmWriteback.id) == row.id, held).values(**values)
        )
        if recorded.rowcount == 0:
            overtaken.append(row)
    by_lead: dict[UUID, list[UUID]] = defaultdict(list)
    for covered_id, lead_id in leads.items():
        by_lead[lead_id].append(covered_id)
    for lead_id, covered_ids in by_lead.items():
        if lead_id not in outcomes:  # not sent, taken over: the deal is its new holder's
            continue
        await session.exec(
            update(CrmWriteback)
            .where(col(CrmWriteback.id).in_(covered_ids), held)
            .values(
                status=WritebackStatus.superseded,
                superseded_by_id=lead_id,
                lease_until=None,
                sent_at=now,
            )
        )
    await _send_again(session, overtaken, outcomes)


async def _send_again(session: Any, rows: Any, outcomes: dict[UUID, Sent]) -> None:
    """Updates taken over by another dispatcher before their answer was recorded (the fence
    said so, whatever this host's clock says): that one may have sent a newer state meanwhile,
    which this older one overwrote on arrival. Each such deal is due for one more update,
    computed when it is sent (a CRM that refused is not asked again)."""
    for row in rows:
        sent = outcomes.get(row.id)
        if row.kind is not WritebackKind.fields or sent is None or (sent.final and not sent.ok):
            continue
        logger.warning(
            "write-back outlived its lease; its deal is updated again",
            writeback=str(row.id),
            deal=str(row.deal_id),
        )
        await produce.fields_due(
            session,
            {
                "organization_id": row.organization_id,
                "connection_id": row.connection_id,
                "deal_id": row.deal_id,
                "project_id": row.project_id,
                "crm_record_id": row.crm_record_id,
                "event_type": row.event_type,
            },
        )


async def dispatch_once(database: Database, client: httpx.AsyncClient) -> int:
    """Claim one batch and deliver it; the number of write-backs handled."""
    claim = await claim_due(database, database.settings.crm_writeback_batch_size)
    if claim.ids:
        await deliver(database, client, claim)
    return len(claim.ids)


async def run(database: Database, stop: asyncio.Event) -> None:
    """Write back until `stop` is set."""
    async with crm_http_client(database.settings) as client:
        await run_rounds(
            lambda: dispatch_once(database, client),
            stop,
            idle_seconds=database.settings.dispatcher_poll_seconds,
            failure="write-back cycle failed; retrying",
            logger=logger,
        )
