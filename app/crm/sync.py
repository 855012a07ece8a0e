"""Reconciliation: what the CRM's webhooks lost, found by asking the CRM.

CRMs drop webhooks (HubSpot and Salesforce give up after 24 hours, Pipedrive loses events while
it has banned a failing webhook). So each connection with API access is synced every
`HANDOVER_CRM_SYNC_INTERVAL_SECONDS`, and on demand (`POST …/sync`): the deals changed since the
connection's cursor (the CRM's own clock), with the deals still flagged incomplete, are kept as
a request of kind `sync` and go the way of every push (app/crm/worker.py), so one project per
deal holds across push and sync. The cursor moves in the transaction that keeps the request:
never past a deal that was not taken.

Each worker claims a due connection by moving its `next_sync_at` in one conditional UPDATE, so
of several workers exactly one syncs it.
"""

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import structlog
from sqlalchemy import or_, update
from sqlmodel import col, select

from app.crm.clients import client_for
from app.crm.clients.base import CrmRefused, CrmUnavailable
from app.crm.clients.http import shared_http
from app.crm.service import api_access
from app.db import Database
from app.models import CrmConnection, CrmInboundRequest, Deal, InboundKind, InboundOutcome, Project
from app.models.base import utcnow

logger = structlog.get_logger("handover.crm")

MAX_PAGES = 20  # a sync takes at most this many pages; the next one goes on from the cursor


async def _claim(database: Database, connection_id: UUID, now: datetime) -> bool:
    interval = timedelta(seconds=database.settings.crm_sync_interval_seconds)
    async with database.transaction() as session:
        claimed = await session.exec(
            update(CrmConnection)
            .where(
                col(CrmConnection.id) == connection_id,
                or_(
                    col(CrmConnection.next_sync_at).is_(None),
                    col(CrmConnection.next_sync_at) <= now,
                ),
            )
            .values(next_sync_at=now + interval)
        )
    return bool(claimed.rowcount == 1)


async def sync_due(database: Database, http: httpx.AsyncClient) -> int:
    """Sync every connection with API access whose sync is due; the number synced."""
    now = utcnow()
    async with database.transaction(write=False) as session:
        due = (
            await session.exec(
                select(CrmConnection.id).where(
                    col(CrmConnection.api_token_encrypted).is_not(None),
                    CrmConnection.enabled == True,  # noqa: E712
                    or_(
                        col(CrmConnection.next_sync_at).is_(None),
                        col(CrmConnection.next_sync_at) <= now,
                    ),
                )
            )
        ).all()
    synced = 0
    for connection_id in due:
        if await _claim(database, connection_id, now):
            try:
                await sync_connection(database, http, connection_id)
            except Exception:  # this connection's trouble: the others are still synced
                logger.exception("CRM sync failed", connection=str(connection_id))
            synced += 1
    return synced


async def _incomplete_deals(database: Database, connection: CrmConnection) -> list[str]:
    async with database.transaction(write=False) as session:
        rows = await session.exec(
            select(Deal.external_id)
            .join(Project, col(Project.id) == Deal.project_id)
            .where(
                Deal.connection_id == connection.id,
                Project.crm_incomplete == True,  # noqa: E712
                col(Project.archived_at).is_(None),
            )
            .limit(1000)
        )
        return list(rows.all())


async def sync_connection(database: Database, http: httpx.AsyncClient, connection_id: UUID) -> None:
    """List what changed since the cursor, keep it as a `sync` request, move the cursor."""
    settings = database.settings
    async with database.transaction(write=False) as session:
        connection = await session.get(CrmConnection, connection_id)
    if connection is None:
        return
    access = api_access(connection, settings)
    if access is None:
        return
    client = client_for(access, shared_http(access, database, http))
    # the first sync starts at the second the connection was made (CRMs stamp to the second)
    since = connection.sync_cursor or connection.created_at.replace(microsecond=0)
    found: list[str] = []
    cursor = connection.sync_cursor
    error = None
    again: float | None = None  # the CRM said when to ask again
    try:
        page: str | None = None
        for _ in range(MAX_PAGES):
            changed = await client.changed_since(since, page)
            found.extend(changed.external_ids)
            if changed.last_modified is not None:
                cursor = max(cursor or changed.last_modified, changed.last_modified)
            page = changed.next_page
            if page is None:
                break
    except (CrmUnavailable, CrmRefused) as exc:
        error = f"{type(exc).__name__}: {exc.reason}"
        again = exc.retry_after if isinstance(exc, CrmUnavailable) else None
        logger.warning("CRM sync stopped", connection=str(connection_id), why=error)
    except Exception as exc:  # an answer the client could not read: shown, tried again later
        error = f"unexpected error: {type(exc).__name__} (see the worker's log)"
        logger.exception("CRM sync failed", connection=str(connection_id))
    if connection.sync_cursor is not None and cursor == connection.sync_cursor:
        found = []  # only what changed in the cursor's own second, taken last time
    ids = list(dict.fromkeys([*found, *await _incomplete_deals(database, connection)]))
    now = utcnow()
    async with database.transaction() as session:
        if ids:
            body = json.dumps({"external_ids": ids, "since": since.isoformat()}).encode()
            digest = hashlib.sha256(body + now.isoformat().encode()).hexdigest()
            session.add(
                CrmInboundRequest(
                    organization_id=connection.organization_id,
                    connection_id=connection.id,
                    kind=InboundKind.sync,
                    delivery_key=f"sync:{digest}",
                    headers={},
                    body=body,
                    body_bytes=len(body),
                    body_sha256=hashlib.sha256(body).hexdigest(),
                    outcome=InboundOutcome.received,
                    detail=f"{len(ids)} deal(s) changed or incomplete",
                    next_attempt_at=now,
                    received_at=now,
                )
            )
        values: dict[str, Any] = {
            "sync_cursor": cursor,
            "last_synced_at": now,
            "last_sync_error": error,
        }
        if again is not None and again < settings.crm_sync_interval_seconds:
            values["next_sync_at"] = now + timedelta(seconds=again)  # when the CRM said
        await session.exec(
            update(CrmConnection).where(col(CrmConnection.id) == connection.id).values(**values)
        )
