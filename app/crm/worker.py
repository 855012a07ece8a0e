"""The CRM worker: each kept request's deals completed from the CRM's API, then planned.

The intake answers at once and keeps the request `received` (app/crm/intake.py); this worker,
run by `handover worker` and inside `serve`, takes it from there, like the webhook dispatcher:
1. `claim_received` leases a batch of kept requests (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
   several workers share them) and commits. The lease is renewed while the batch is planned,
   a request is started only while this worker still holds it, and its outcome is recorded
   only while it still does (app/core/leases.py): one that stalled past its lease leaves the
   requests taken over to the next worker, and that worker's record alone.
2. Outside any transaction, the request's deals are read again from its kept body and completed
   from the CRM's API (batch reads, app/crm/clients), a connection's requests one after another
   so that it never takes more than its share of the CRM's rate limit.
3. Each deal goes through `deals.service.take_deal` in a transaction of its own (a deal is
   planned whole or not at all, and a long batch never holds SQLite's lock), then the request
   is marked `planned` with its deals and projects. A version of a deal the CRM modified
   before the one the deal holds (a push overtaken by a later one, a retry, a sync that read
   the deal before a push's change) changes nothing, and the request's `detail` says so.

A CRM that does not answer is asked again with backoff; once the request is older than
`HANDOVER_CRM_ENRICH_DEADLINE_SECONDS`, its deals are planned from what is known and flagged
`crm_incomplete`; the next sync completes them. A planning error is retried from the kept
record (never by asking the CRM to resend), and after `HANDOVER_CRM_PLAN_MAX_ATTEMPTS` the
request is `failed` with the reason. A worker killed at any point loses nothing: its lease
expires, and deals already taken are found again, never planned twice.
"""

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

import httpx
import structlog
from cryptography.fernet import InvalidToken
from sqlalchemy import update
from sqlmodel import col, select

from app.core.auth import Caller
from app.core.leases import Lease, holding, lease_rows, renewing, still_holds
from app.core.rounds import run_rounds
from app.crm import sync
from app.crm.clients import client_for
from app.crm.clients.base import Contact, CrmClient, CrmDeal, CrmRefused, CrmUnavailable
from app.crm.clients.http import crm_http_client, shared_http
from app.crm.providers import PROVIDERS
from app.crm.providers.base import DealSignal, Malformed, Received
from app.crm.service import api_access, credentials
from app.db import Database
from app.deals.service import (
    Origin,
    changes_of,
    claim_crm_version,
    find_deal,
    mark_lost,
    take_deal,
    update_deal,
)
from app.models import (
    CrmConnection,
    CrmInboundRequest,
    CrmSource,
    Deal,
    InboundKind,
    InboundOutcome,
)
from app.models.base import utcnow
from app.settings import Settings

logger = structlog.get_logger("handover.crm")

MAX_BACKOFF_SECONDS = 300.0


async def claim_received(database: Database, limit: int, now: datetime | None = None) -> Lease:
    """Lease up to `limit` kept requests due for planning; committed before any work."""
    received = col(CrmInboundRequest.outcome) == InboundOutcome.received
    return await lease_rows(database, CrmInboundRequest, received, limit, now or utcnow())


@dataclass
class Taken:
    """What planning a kept request did."""

    deal_ids: list[str] = field(default_factory=list)
    project_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def signals_of(
    kept: CrmInboundRequest, connection: CrmConnection, settings: Settings
) -> list[DealSignal]:
    """The deals a kept request speaks of, read again from its body."""
    if kept.kind is InboundKind.sync:
        listed = json.loads(kept.body)
        return [DealSignal(str(ident), False, None, {}) for ident in listed["external_ids"]]
    received = Received(method="POST", path="", headers=kept.headers, body=kept.body)
    reading = PROVIDERS[connection.provider].read(
        received, credentials(connection, settings, utcnow())
    )
    return reading.signals


def _needs_completion(connection: CrmConnection) -> bool:
    """HubSpot's events carry only ids: without its API a deal is a placeholder."""
    return connection.provider is CrmSource.hubspot


class _Completion(NamedTuple):
    """The deals as the CRM's API told them, or why it could not and when to ask again."""

    deals: dict[str, CrmDeal]
    problem: str | None = None
    retry_after: float | None = None
    asked: bool = True  # False: no request went out (the connection is paused)


async def _complete(client: CrmClient | None, signals: list[DealSignal]) -> _Completion:
    if client is None or not signals:
        return _Completion({})
    try:
        ids = list(dict.fromkeys(signal.external_id for signal in signals))  # once each
        return _Completion(await client.complete(ids))
    except CrmUnavailable as exc:
        problem = f"the CRM did not answer: {exc.reason}"
        return _Completion({}, problem, exc.retry_after, exc.asked)
    except CrmRefused as exc:
        return _Completion({}, f"the CRM refused: {exc.reason}")


async def _take_one(
    database: Database,
    connection: CrmConnection,
    signal: DealSignal,
    crm: CrmDeal | None,
    *,
    incomplete: bool,
    raw: dict[str, Any],
) -> tuple[UUID | None, UUID | None, str | None]:
    """One deal through the one path to its project, in its own transaction: the deal's id,
    its project's id, and a note when nothing was done."""
    caller = Caller(connection.organization_id, None, frozenset())
    origin = Origin(
        source=connection.provider,
        connection_id=connection.id,
        template_id=connection.project_template_id,
        project_manager_id=connection.default_project_manager_id,
        raw_payload=raw,
        incomplete=incomplete,
        contacts=[] if crm is None else [_contact(contact) for contact in crm.contacts],
        modified_at=signal.modified_at if crm is None else crm.modified_at,
    )
    async with database.transaction() as session:
        known = await find_deal(
            session, connection.organization_id, connection.provider, signal.external_id
        )
        if crm is not None and crm.won:
            intake = await take_deal(session, caller, crm.deal, origin)
            note = _older(intake.deal, origin.modified_at, intake.newer_kept)
            return intake.deal.id, intake.deal.project_id, note
        # a placeholder (HubSpot's event without its API) plans a new deal, never renames one
        placeholder = _needs_completion(connection)
        if crm is None and signal.won and signal.deal and (known is None or not placeholder):
            intake = await take_deal(session, caller, signal.deal, origin)
            note = _older(intake.deal, origin.modified_at, intake.newer_kept)
            return intake.deal.id, intake.deal.project_id, note
        if known is None:
            return None, None, f"{signal.external_id}: not won"
        newer_kept = await claim_crm_version(session, known, origin.modified_at)
        if newer_kept is not None:
            return known.id, known.project_id, _older(known, origin.modified_at, newer_kept)
        changes = signal.changes if crm is None else changes_of(crm.deal)
        await update_deal(session, known, changes, raw)
        if crm.lost if crm is not None else signal.lost:
            await mark_lost(session, known)
        return known.id, known.project_id, None


def _older(deal: Deal, modified_at: datetime | None, newer_kept: datetime | None) -> str | None:
    """What the kept request says of a version older than the deal kept: it changed nothing
    (None: it was not older)."""
    if newer_kept is None:
        return None
    return (
        f"{deal.external_id}: older than the deal kept (modified in the CRM at "
        f"{_instant(modified_at)}, the deal holds {_instant(newer_kept)}): nothing changed"
    )


def _instant(moment: datetime | None) -> str:
    return "an unknown time" if moment is None else moment.isoformat().replace("+00:00", "Z")


def _contact(contact: Contact) -> dict[str, Any]:
    """A CRM contact as the customer keeps it."""
    return {
        "name": contact.name,
        "email": contact.email,
        "title": contact.title,
        "crm_id": contact.external_id,
    }


def _raw(signal: DealSignal, crm: CrmDeal | None) -> dict[str, Any]:
    if crm is None:
        return signal.raw
    return {"event": signal.raw, "crm": crm.deal.model_dump(mode="json")}


async def plan_kept(
    database: Database,
    client: CrmClient | None,
    kept: CrmInboundRequest,
    connection: CrmConnection,
    lease: Lease,
) -> None:
    """Complete and plan one claimed request (see the module's docstring). Its outcome is
    recorded only while `lease` still holds it: a worker that stalled past its lease, and
    whose request another worker took over, leaves that worker's record alone."""
    settings = database.settings
    now = utcnow()
    try:
        signals = signals_of(kept, connection, settings)
    except (Malformed, ValueError, KeyError) as exc:
        taken = Taken(notes=[f"unreadable: {exc}"])
        await _finish(database, lease, kept, InboundOutcome.failed, taken)
        return
    completed, problem, retry_after, asked = await _complete(client, signals)
    deadline = kept.received_at + timedelta(seconds=settings.crm_enrich_deadline_seconds)
    if problem is not None and utcnow() < deadline:
        delay = max(_backoff(kept.attempts), retry_after or 0)
        later = min(now + timedelta(seconds=delay), deadline)
        # held by a pause, nothing was tried: the attempts, and so the backoff, stay as they were
        await _again(database, lease, kept, later, problem, counted=asked)
        return
    flagged = problem is not None or (client is None and _needs_completion(connection))
    taken = Taken(notes=[problem] if problem else [])
    if client is not None and problem is None:
        # The API answered without a deal the push named (deleted meanwhile, archived, or not
        # visible to the token's user): planned from the push, flagged for a sync to complete.
        missing = sorted({s.external_id for s in signals} - completed.keys())
        flagged = bool(missing)
        taken.notes += [f"the CRM's API did not return deal {deal}" for deal in missing]
    try:
        for signal in signals:
            crm = completed.get(signal.external_id)
            deal_id, project_id, note = await _take_one(
                database,
                connection,
                signal,
                crm,
                incomplete=crm is None and flagged,
                raw=_raw(signal, crm),
            )
            if deal_id is not None:
                taken.deal_ids.append(str(deal_id))
            if project_id is not None:
                taken.project_ids.append(str(project_id))
            if note is not None:
                taken.notes.append(note)
    except Exception as exc:
        logger.exception("planning a kept CRM request failed", request=str(kept.id))
        reason = f"planning failed: {type(exc).__name__}: {exc}"
        if kept.attempts + 1 >= settings.crm_plan_max_attempts:
            await _finish(database, lease, kept, InboundOutcome.failed, Taken(notes=[reason]))
        else:
            later = now + timedelta(seconds=_backoff(kept.attempts))
            await _again(database, lease, kept, later, reason)
        return
    outcome = InboundOutcome.planned if taken.deal_ids else InboundOutcome.ignored
    await _finish(database, lease, kept, outcome, taken)


def _backoff(attempts_made: int) -> float:
    """Seconds before the next attempt: 5, 10, 20… up to 5 minutes."""
    return min(2.0 ** (attempts_made + 1) * 2.5, MAX_BACKOFF_SECONDS)


def _still_mine(lease: Lease, kept: CrmInboundRequest) -> Any:
    return (col(CrmInboundRequest.id) == kept.id) & lease.held(CrmInboundRequest)


async def _again(
    database: Database,
    lease: Lease,
    kept: CrmInboundRequest,
    at: datetime,
    why: str,
    *,
    counted: bool = True,
) -> None:
    attempts = kept.attempts + 1 if counted else kept.attempts
    async with holding(database, lease) as session:
        await session.exec(
            update(CrmInboundRequest)
            .where(_still_mine(lease, kept))
            .values(attempts=attempts, next_attempt_at=at, lease_until=None, detail=why[:2000])
        )


async def _finish(
    database: Database,
    lease: Lease,
    kept: CrmInboundRequest,
    outcome: InboundOutcome,
    taken: Taken,
) -> None:
    async with holding(database, lease) as session:
        await session.exec(
            update(CrmInboundRequest)
            .where(_still_mine(lease, kept))
            .values(
                outcome=outcome,
                attempts=kept.attempts + 1,
                next_attempt_at=None,
                lease_until=None,
                planned_at=utcnow(),
                deal_ids=sorted(set(taken.deal_ids)),
                project_ids=sorted(set(taken.project_ids)),
                detail="; ".join(taken.notes)[:2000] or None,
            )
        )


async def _plan_connection(
    database: Database,
    http: httpx.AsyncClient,
    connection: CrmConnection,
    requests: list[CrmInboundRequest],
    lease: Lease,
) -> None:
    """A connection's claimed requests, one after another, on one rate-limited API client; a
    request taken over while it waited its turn is left to the worker holding it now."""
    try:
        access = api_access(connection, database.settings)
    except InvalidToken:  # stored under another key: its deals still become projects, flagged
        logger.error(
            "the connection's API token cannot be decrypted", connection=str(connection.id)
        )
        access = None
    client = None
    if access is not None:
        client = client_for(access, shared_http(access, database, http))
    for kept in requests:
        if not await still_holds(database, CrmInboundRequest, lease, kept.id):
            logger.warning("kept CRM request not held when its turn came", request=str(kept.id))
            continue
        try:
            await plan_kept(database, client, kept, connection, lease)
        except Exception:
            logger.exception("a kept CRM request could not be handled; its lease will expire")


async def plan_once(database: Database, http: httpx.AsyncClient) -> int:
    """Claim one batch of kept requests and plan them; the number claimed."""
    lease = await claim_received(database, database.settings.crm_worker_batch_size)
    if not lease.ids:
        return 0
    async with database.transaction(write=False) as session:
        rows = (
            await session.exec(
                select(CrmInboundRequest, CrmConnection)
                .join(CrmConnection, col(CrmConnection.id) == CrmInboundRequest.connection_id)
                .where(col(CrmInboundRequest.id).in_(lease.ids))
                .order_by(col(CrmInboundRequest.id))
            )
        ).all()
    by_connection: dict[UUID, list[CrmInboundRequest]] = defaultdict(list)
    connections: dict[UUID, CrmConnection] = {}
    for kept, connection in rows:
        by_connection[connection.id].append(kept)
        connections[connection.id] = connection
    async with renewing(database, CrmInboundRequest, lease):  # however long the CRMs take
        await asyncio.gather(
            *(
                _plan_connection(database, http, connections[key], requests, lease)
                for key, requests in by_connection.items()
            )
        )
    return len(lease.ids)


async def work_once(database: Database, http: httpx.AsyncClient) -> int:
    """One round: the syncs that are due, then a batch of kept requests."""
    synced = await sync.sync_due(database, http)
    return synced + await plan_once(database, http)


async def run(database: Database, stop: asyncio.Event) -> None:
    """Work until `stop` is set; poll when there is nothing to do."""
    async with crm_http_client(database.settings) as http:
        await run_rounds(
            lambda: work_once(database, http),
            stop,
            idle_seconds=database.settings.dispatcher_poll_seconds,
            failure="CRM worker round failed; retrying",
            logger=logger,
        )
